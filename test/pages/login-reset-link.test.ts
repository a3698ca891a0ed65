import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { freePort } from '../helpers/ports.ts'
import { client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import type { CaughtMail } from '../helpers/smtp-sink.ts'
import { APPROVAL_SUBJECT, approve, loginSiteAdmin, mailTo, registerUniversity } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// Issue 16 and API.md §14: with PASSWORD_RESET_CONFIRM_URL=login/reset/{uid}/{token}/ (Djoser's setting, API.md §7)
// the mailed password-reset and set-password links open the service's own page. DOMAIN names this test server's
// port, so the link read from the SMTP sink is opened in the browser exactly as mailed.
describe('Hosted pages: mailed reset links to /login/reset/ (PASSWORD_RESET_CONFIRM_URL)', () => {
  let server: TestServer
  const browsers: TestBrowser[] = []
  let origin: string

  before(async () => {
    const port = await freePort()
    origin = `http://127.0.0.1:${port}`
    server = await startServer({ DOMAIN: `127.0.0.1:${port}`, PASSWORD_RESET_CONFIRM_URL: 'login/reset/{uid}/{token}/' }, { port })
    assert.equal(server.base, origin)
  })
  after(async () => {
    try {
      for (const browser of browsers) await browser.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  /** The one link of a mail's text part. */
  const linkOf = (mail: CaughtMail) => {
    const links = mail.text.match(/https?:\/\/\S+/g) ?? []
    const reset = links.filter((l) => l.includes('/reset/'))
    assert.equal(reset.length, 1, mail.text)
    return reset[0] ?? ''
  }

  /** Opens the mailed link and sets `password` on its page. */
  async function setPasswordThroughLink(link: string, password: string) {
    const browser = await openBrowser(server.base)
    browsers.push(browser)
    const { page } = browser
    await page.goto(link)
    assert.equal(new URL(page.url()).pathname, new URL(link).pathname)
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor()
    await assertAccessible(page, 'reset confirm from the mailed link')
    await page.getByLabel('New password', { exact: true }).fill(password)
    await page.getByLabel('Confirm new password').fill(password)
    await page.getByRole('button', { name: 'Set password' }).click()
    await page.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor()
    return page
  }

  it('When a password reset is requested, then the mailed link opens /login/reset/{uid}/{token}/, which sets a password that signs in', async () => {
    const user = await registerAndActivate(server)
    assert.equal((await client(server.base).post('/api/users/reset_password/', { email: user.email })).status, 204)
    const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject === 'Password reset on UniLink')
    const link = linkOf(mail)
    assert.match(link, new RegExp(`^${origin}/login/reset/[A-Za-z0-9_-]+/[0-9a-z]+-[0-9a-f]+/$`))
    assert.ok(mail.html.includes(link), 'the HTML part links there too')
    const page = await setPasswordThroughLink(link, 'Fresh-Harbour-91')
    await signIn(page, server.base, user.email, 'Fresh-Harbour-91')
    assert.equal(new URL(page.url()).pathname, '/account/')
    assert.equal((await client(server.base).post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401, 'the old password is gone')
  })

  it('When a university is approved, then its admin\'s set-password link opens the same page', async () => {
    const root = await loginSiteAdmin(server)
    const university = await registerUniversity(server)
    await approve(server, root, university.id)
    const link = linkOf(await mailTo(server, university.adminEmail, APPROVAL_SUBJECT, /has been approved/))
    assert.match(link, new RegExp(`^${origin}/login/reset/`))
    const page = await setPasswordThroughLink(link, 'Campus-Lantern-58')
    await signIn(page, server.base, university.adminEmail, 'Campus-Lantern-58')
    assert.equal(new URL(page.url()).pathname, '/account/')
  })
})
