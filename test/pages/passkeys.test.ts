import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { claimsOf } from '../helpers/mfa.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §12 on §14's pages: a passkey added on /account/ with Chromium's virtual authenticator (WebAuthn through
// the vendored @simplewebauthn/browser and assets/pages/passkeys.js), then `Sign in with a passkey` on /login/ and
// `Use a passkey` as the second step; rename and remove. The browser opens the service as http://localhost:<port>
// (a secure context, and the RP ID `localhost`), the origin the service accepts (WEBAUTHN_ORIGINS).

describe('Hosted pages: passkeys on /account/ and /login/ (API.md §12, §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let base = ''
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  let setUserVerified: (verified: boolean) => Promise<void>

  before(async () => {
    const port = await freePort()
    base = `http://localhost:${port}`
    server = await startServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: base }, { port })
    user = await registerAndActivate(server)
    browser = await openBrowser(base, { width: 1440 })
    const cdp = await browser.context.newCDPSession(browser.page)
    await cdp.send('WebAuthn.enable', { enableUI: false })
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })
    setUserVerified = async (isUserVerified) => { await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }) }
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const accessCookie = async () => (await browser.context.cookies()).find((c) => c.name === 'access')?.value ?? ''
  const passkeys = () => browser.page.locator('#passkeys')
  const signOut = async () => {
    await browser.page.getByRole('button', { name: 'Log out' }).click()
    await browser.page.waitForURL((u) => u.pathname === '/login/')
  }

  it('When a page is fetched without script, then its passkey forms are rendered hidden (the script shows them)', async () => {
    const login = await client(server.base).get('/login/')
    assert.match(login.text, /<form method="post" action="\/login\/passkey\/" class="stack passkey-form" data-passkey="login" hidden>/)
    assert.match(login.text, /<button type="submit">Sign in with a passkey<\/button>/)
    assert.match(login.text, /<script src="\/static\/pages\/simplewebauthn-browser-14\.0\.0\.umd\.min\.[0-9a-f]{10}\.js" defer><\/script>/)
    assert.match(login.text, /<script src="\/static\/pages\/passkeys\.[0-9a-f]{10}\.js" defer><\/script>/)
    const bundle = login.text.match(/\/static\/pages\/simplewebauthn-browser-[^"]+/)?.[0] ?? ''
    const asset = await client(server.base).get(bundle)
    assert.equal(asset.status, 200)
    assert.match(asset.text, /^\/\* \[@simplewebauthn\/browser@14\.0\.0\] \*\//)
  })

  it('When the options for adding a passkey are asked for from another site, then 403 and no options', async () => {
    const res = await fetch(`${server.base}/account/passkeys/options/`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: '_csrf=x',
    })
    assert.equal(res.status, 403)
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
    assert.doesNotMatch(await res.text(), /challenge/)
  })

  it('When a passkey is added on /account/, then the ceremony runs, the recovery codes are shown once and the passkey is listed', async () => {
    const { page } = browser
    await signIn(page, base, user.email, user.password)
    await page.waitForURL((u) => u.pathname === '/account/')
    await passkeys().getByRole('button', { name: 'Add a passkey' }).waitFor()
    assert.equal(await passkeys().getByText('Adding a passkey needs JavaScript').isVisible(), false)
    await assertAccessible(page, '/account/ without passkeys')
    await passkeys().getByLabel('Passkey name').fill('Laptop')
    await passkeys().getByRole('button', { name: 'Add a passkey' }).click()
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor()
    assert.equal(await page.locator('#recovery-codes .codes code').count(), 10)
    assert.deepEqual(await passkeys().locator('li.passkey strong').allTextContents(), ['Laptop'])
    await assertAccessible(page, '/account/ with a passkey and recovery codes')
    await screenshot(page, 'account-passkeys')
    const status = await client(server.base).get('/api/mfa/', { bearer: await accessCookie() })
    assert.deepEqual(status.body, { enabled: true, totp: false, passkeys: 1, recovery_codes_left: 10, required: false })
  })

  it('When the passkey is renamed, then the list shows the new name', async () => {
    const { page } = browser
    const item = passkeys().locator('li.passkey')
    await item.locator('summary').click()
    await item.getByLabel('New name').fill('Work laptop')
    await item.getByRole('button', { name: 'Rename' }).click()
    await page.getByText('The passkey is renamed.').waitFor()
    assert.deepEqual(await passkeys().locator('li.passkey strong').allTextContents(), ['Work laptop'])
  })

  it('When "Sign in with a passkey" is used on /login/, then the passkey alone signs in and `next` is followed (same-origin only)', async () => {
    const { page } = browser
    await signOut()
    await page.goto(`${base}/login/?next=${encodeURIComponent('/account/?notice=profile')}`)
    await assertAccessible(page, '/login/ with the passkey button')
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL((u) => u.pathname === '/account/')
    assert.equal(new URL(page.url()).search, '?notice=profile')
    assert.deepEqual(claimsOf(await accessCookie()).amr, ['hwk', 'user'])

    await signOut()
    await page.goto(`${base}/login/?next=${encodeURIComponent('//evil.example/')}`)
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.waitForURL((u) => u.pathname === '/account/')
    assert.equal(new URL(page.url()).origin, base)
  })

  it('When a user with a passkey signs in with the password, then "Use a passkey" finishes the second step', async () => {
    const { page } = browser
    await signOut()
    await signIn(page, base, user.email, user.password)
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor()
    await assertAccessible(page, 'second step with the passkey button')
    await screenshot(page, 'login-mfa-passkey')

    // The authenticator refuses (no user verification): the browser's ceremony fails and the page says so.
    await setUserVerified(false)
    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.getByText('No passkey was used.').waitFor()
    assert.equal(new URL(page.url()).pathname, '/login/')
    await setUserVerified(true)

    await page.getByRole('button', { name: 'Use a passkey' }).click()
    await page.waitForURL((u) => u.pathname === '/account/')
    assert.deepEqual(claimsOf(await accessCookie()).amr, ['pwd', 'hwk', 'user'])
  })

  it('When the passkey is removed with a wrong password, then "Invalid password."; with the right one it is gone and no longer signs in', async () => {
    const { page } = browser
    const item = passkeys().locator('li.passkey')
    await item.locator('summary').click()
    await item.getByLabel('Password').fill('not-my-password')
    await item.getByRole('button', { name: 'Remove' }).click()
    await passkeys().getByText('Invalid password.').first().waitFor()
    assert.equal(await passkeys().locator('li.passkey details').getAttribute('open'), '', 'the form with the error is open')
    await assertAccessible(page, '/account/ with a passkey error')

    await passkeys().locator('li.passkey').getByLabel('Password').fill(user.password)
    await passkeys().locator('li.passkey').getByRole('button', { name: 'Remove' }).click()
    await page.getByText('The passkey is removed.').waitFor()
    await passkeys().getByText('No passkeys yet.').waitFor()

    // The authenticator still holds the credential; the service no longer knows it: §12's message on the page.
    await signOut()
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click()
    await page.getByText('Passkey not recognised.').waitFor()
    assert.equal(new URL(page.url()).pathname, '/login/passkey/')
    assert.equal(await accessCookie(), '')
    await page.getByLabel('Email').waitFor()
    await assertAccessible(page, '/login/ after a passkey that is not recognised')
    assert.deepEqual(browser.elsewhere, [])
    assert.deepEqual(browser.consoleErrors.filter((m) => !m.startsWith('Failed to load resource')), [])
  })
})
