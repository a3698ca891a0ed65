import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §14 /account/: profile (§4), password, email by mail (§4), sessions (§11), deletion, over the real server.
const HOSTILE_NAME = '<img src=x onerror=alert(1)>'

describe('Hosted pages: /account/ (API.md §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  const dialogs: string[] = []

  before(async () => {
    server = await startServer()
    user = await registerAndActivate(server, { first_name: HOSTILE_NAME })
    browser = await openBrowser(server.base, { width: 1440 })
    browser.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message())
      // The confirmations of pages.js are answered yes; an alert() from an injected script would be recorded here.
      void dialog.accept()
    })
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const url = (path: string) => `${server.base}${path}`

  it('When /account/ is opened without a session, then the sign-in page opens and returns there after signing in', async () => {
    const res = await fetch(url('/account/'), { redirect: 'manual' })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/login/?next=%2Faccount%2F')
    await browser.page.goto(url('/account/'))
    assert.equal(new URL(browser.page.url()).pathname, '/login/')
    await browser.page.getByLabel('Email').fill(user.email)
    await browser.page.getByLabel('Password').fill(user.password)
    await browser.page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await browser.page.waitForURL(url('/account/'))
  })

  it('When the account page shows a name that is HTML, then it is text: no element, no script runs', async () => {
    const { page } = browser
    await page.goto(url('/account/'))
    assert.equal(await page.getByLabel('First name').inputValue(), HOSTILE_NAME)
    assert.ok((await page.locator('.page-head').first().innerText()).includes(HOSTILE_NAME))
    assert.equal(await page.locator('main img').count(), 0)
    assert.match(await page.content(), /&lt;img src=x onerror=alert\(1\)&gt;/)
    assert.deepEqual(dialogs, [])
    await assertAccessible(page, 'account')
    await screenshot(page, 'account-1440')
  })

  it('When the profile is saved, then the §4 service keeps it; a taken username is shown by its field', async () => {
    const { page } = browser
    const other = await registerAndActivate(server)
    await page.getByLabel('Username').fill(other.username)
    await page.getByRole('button', { name: 'Save profile' }).click()
    assert.equal(await page.locator('#profile-username-error').innerText(), 'user with this username already exists.')
    assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), 'true')
    await assertAccessible(page, 'account with a profile error')
    await page.getByLabel('First name').fill('Augusta')
    await page.getByLabel('Username').fill(user.username)
    await page.getByRole('button', { name: 'Save profile' }).click()
    await page.getByRole('status').filter({ hasText: 'Your profile is saved.' }).waitFor()
    const me = await browser.context.request.get(url('/api/users/me/'))
    assert.equal((await me.json() as { first_name: string }).first_name, 'Augusta')
  })

  it('When another session is signed out from the list, then its token gets 401 and this browser stays signed in', async () => {
    const api = client(server.base)
    const { access } = await login(api, user.email, user.password)
    const { page } = browser
    await page.goto(url('/account/'))
    const rows = page.locator('#sessions tbody tr')
    assert.equal(await rows.count(), 2)
    const other = rows.filter({ hasNotText: 'This browser' })
    await other.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('status').filter({ hasText: 'That session is signed out.' }).waitFor()
    assert.equal(await page.locator('#sessions tbody tr').count(), 1)
    assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
    assert.equal((await browser.context.request.get(url('/api/users/me/'))).status(), 200)
  })

  it('When the password is changed, then a wrong current one is refused by its field, and after it the old one no longer signs in', async () => {
    const { page } = browser
    const api = client(server.base)
    const { access } = await login(api, user.email, user.password)
    await page.goto(url('/account/'))
    await page.locator('#password').getByLabel('Current password').fill('not-my-password')
    await page.getByLabel('New password', { exact: true }).fill('Another-Secret-55')
    await page.getByLabel('Confirm new password').fill('Another-Secret-55')
    await page.getByRole('button', { name: 'Change password' }).click()
    assert.equal(await page.locator('#password-current_password-error').innerText(), 'Invalid password.')
    await page.locator('#password').getByLabel('Current password').fill(user.password)
    await page.getByLabel('New password', { exact: true }).fill('Another-Secret-55')
    await page.getByLabel('Confirm new password').fill('Another-Secret-55')
    await page.getByRole('button', { name: 'Change password' }).click()
    await page.getByRole('status').filter({ hasText: 'Your password is changed.' }).waitFor()
    assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
    user.password = 'Another-Secret-55'
    assert.equal((await browser.context.request.get(url('/api/users/me/'))).status(), 200)
  })

  it('When the email is changed by mail, then the link\'s page sets the new address and it signs in', async () => {
    const { page } = browser
    await page.goto(url('/account/'))
    await page.getByRole('button', { name: 'Send email change link' }).click()
    await page.getByRole('status').filter({ hasText: 'We sent a link to your email address.' }).waitFor()
    const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject.startsWith('Email reset'))
    const { uid, token } = linkParts(mail, 'nl/email-reset')
    await page.goto(url(`/account/email/${uid}/${token}/`))
    await assertAccessible(page, 'email change')
    await page.getByLabel('New email').fill('not an address')
    await page.getByRole('button', { name: 'Change email' }).click()
    assert.equal(await page.locator('#email-new_email-error').innerText(), 'Enter a valid email address.')
    const newEmail = `new.${user.email}`
    await page.getByLabel('New email').fill(newEmail)
    await page.getByRole('button', { name: 'Change email' }).click()
    await page.getByRole('status').filter({ hasText: 'Your email address is changed.' }).waitFor()
    await signIn(page, server.base, newEmail, user.password)
    assert.equal(new URL(page.url()).pathname, '/account/')
    user.email = newEmail
  })

  it('When "Sign out everywhere" is pressed, then every session ends and the sign-in page says so', async () => {
    const { page } = browser
    const { access } = await login(client(server.base), user.email, user.password)
    await page.goto(url('/account/'))
    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await page.getByRole('status').filter({ hasText: 'You are signed out on every device.' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/login/')
    assert.equal((await client(server.base).get('/api/users/me/', { bearer: access })).status, 401)
    assert.equal((await browser.context.request.get(url('/api/users/me/'))).status(), 401)
  })

  it('When the account page is 360 px wide, then it is still accessible and nothing is cut off sideways', async () => {
    const small = await openBrowser(server.base, { width: 360, height: 780 })
    try {
      await signIn(small.page, server.base, user.email, user.password)
      await screenshot(small.page, 'account-360')
      const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`)
      await assertAccessible(small.page, 'account at 360px')
    } finally {
      await small.close()
    }
  })

  it('When the account is deleted, then the wrong password is refused, the right one deletes it, and it no longer signs in', async () => {
    const { page } = browser
    await signIn(page, server.base, user.email, user.password)
    await page.locator('#delete').getByLabel('Password').fill('wrong-password')
    await page.getByRole('button', { name: 'Delete account' }).click()
    assert.equal(await page.locator('#delete-current_password-error').innerText(), 'Invalid password.')
    await page.locator('#delete').getByLabel('Password').fill(user.password)
    await page.getByRole('button', { name: 'Delete account' }).click()
    await page.getByRole('status').filter({ hasText: 'Your account is deleted.' }).waitFor()
    assert.equal((await client(server.base).post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
    assert.ok(dialogs.includes('Delete your account for good?'), dialogs.join())
    assert.ok(!dialogs.some((d) => d === '1'), 'an injected script ran')
    assert.deepEqual(browser.elsewhere, [])
  })
})
