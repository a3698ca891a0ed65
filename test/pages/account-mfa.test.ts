import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { createTestClock } from '../helpers/clock.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { STEP_MS, claimsOf, codeAt, midStep } from '../helpers/mfa.ts'
import { SCREENSHOTS, assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §12 on §14's /account/: TOTP set up from the page (QR code and the secret as text), confirmed with a code the
// test computes as an authenticator app would (otpauth), the recovery codes shown once and downloaded as .txt, then a
// sign-in with a code; new recovery codes; TOTP turned off. The service's clock is the test's, so codes are known.
const clock = createTestClock(midStep())
const RECOVERY_CODE = /^[a-z0-9]{4}-[a-z0-9]{4}$/

describe('Hosted pages: two-factor authentication on /account/ (API.md §12, §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  let secret = ''
  let recoveryCodes: string[] = []

  before(async () => {
    server = await startServer({}, { clock: clock.now })
    user = await registerAndActivate(server)
    browser = await openBrowser(server.base, { width: 1440 })
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const section = () => browser.page.locator('#two-factor')
  const accessCookie = async () => (await browser.context.cookies()).find((c) => c.name === 'access')?.value ?? ''
  const shownCodes = async () => (await section().locator('.codes code').allTextContents()).map((c) => c.trim())

  it('When TOTP is set up with a wrong password, then §12\'s message is on the form; with the right one, the QR code and the secret', async () => {
    const { page } = browser
    await signIn(page, server.base, user.email, user.password)
    await page.waitForURL((u) => u.pathname === '/account/')
    await section().getByRole('heading', { name: 'Two-factor authentication' }).waitFor()
    assert.equal(await section().locator('.badge').first().textContent(), 'Off')
    await assertAccessible(page, '/account/ without two-factor')

    await section().getByLabel('Current password').fill('not-my-password')
    await section().getByRole('button', { name: 'Set up authenticator app' }).click()
    await section().getByText('Invalid password.').first().waitFor()
    assert.equal(await section().getByLabel('Current password').getAttribute('aria-invalid'), 'true')

    await section().getByLabel('Current password').fill(user.password)
    await section().getByRole('button', { name: 'Set up authenticator app' }).click()
    await section().locator('.qr svg').waitFor()
    secret = (await section().locator('#totp-secret').textContent() ?? '').trim()
    assert.match(secret, /^[A-Z2-7]{32}$/)
    assert.equal(await section().getByRole('img', { name: 'QR code of your authenticator key' }).count(), 1)
    await assertAccessible(page, '/account/ with a TOTP setup')
    await section().screenshot({ path: join(SCREENSHOTS, 'account-2fa-setup.png') })
  })

  it('When the confirming code is wrong, then "Invalid code." is on the page with the same QR code; the right code shows 10 recovery codes', async () => {
    const { page } = browser
    const right = codeAt(secret, clock.now())
    await section().getByLabel('Code', { exact: true }).fill(right === '000000' ? '111111' : '000000')
    await section().getByRole('button', { name: 'Confirm' }).click()
    await section().getByText('Invalid code.').first().waitFor()
    assert.equal(await section().getByLabel('Code', { exact: true }).getAttribute('aria-invalid'), 'true')
    assert.equal((await section().locator('#totp-secret').textContent())?.trim(), secret, 'the same secret is shown again')
    await assertAccessible(page, '/account/ with a wrong confirming code')

    await section().getByLabel('Code', { exact: true }).fill(right)
    await section().getByRole('button', { name: 'Confirm' }).click()
    await section().getByRole('heading', { name: 'Your recovery codes' }).waitFor()
    recoveryCodes = await shownCodes()
    assert.equal(recoveryCodes.length, 10)
    for (const code of recoveryCodes) assert.match(code, RECOVERY_CODE)
    assert.equal(await section().locator('.badge').first().textContent(), 'On')
    assert.equal(await section().locator('#totp-secret').count(), 0, 'the secret is gone once confirmed')
    await assertAccessible(page, '/account/ showing recovery codes')
    // The API agrees: TOTP is on, with 10 codes.
    const status = await client(server.base).get('/api/mfa/', { bearer: await accessCookie() })
    assert.deepEqual(status.body, { enabled: true, totp: true, passkeys: 0, recovery_codes_left: 10, required: false })
  })

  it('When "Download as .txt" is clicked, then recovery-codes.txt holds the codes, one a line; after a reload they are not shown again', async () => {
    const { page } = browser
    const [download] = await Promise.all([page.waitForEvent('download'), section().getByRole('link', { name: 'Download as .txt' }).click()])
    assert.equal(download.suggestedFilename(), 'recovery-codes.txt')
    const text = readFileSync(await download.path(), 'utf8')
    const lines = text.split('\r\n')
    assert.equal(lines[0], `UniLink recovery codes for ${user.email}`)
    assert.deepEqual(lines.filter((l) => RECOVERY_CODE.test(l)), recoveryCodes)

    // Screenshots of the console with two-factor on: wide and narrow, light and dark (looked at by hand).
    for (const [width, scheme] of [[1440, 'light'], [1440, 'dark'], [360, 'light'], [360, 'dark']] as const) {
      await page.setViewportSize({ width, height: 900 })
      await page.emulateMedia({ colorScheme: scheme })
      await screenshot(page, `account-2fa-${width}-${scheme}`)
      await section().screenshot({ path: join(SCREENSHOTS, `account-2fa-section-${width}-${scheme}.png`) })
      if (width === 360) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
        assert.ok(overflow <= 0, `no sideways scrolling at 360 px (${overflow} px)`)
      }
    }
    await page.setViewportSize({ width: 1440, height: 900 })
    await page.emulateMedia({ colorScheme: 'light' })

    await page.goto(`${server.base}/account/`)
    await section().getByRole('heading', { name: 'Turn off the authenticator app' }).waitFor()
    assert.deepEqual(await shownCodes(), [])
  })

  it('When the user signs out and in again, then the password alone is not enough; a wrong code is refused, the right one signs in', async () => {
    const { page } = browser
    await page.getByRole('button', { name: 'Log out' }).click()
    await page.waitForURL((u) => u.pathname === '/login/')
    await signIn(page, server.base, user.email, user.password)
    await page.getByLabel('Code', { exact: true }).waitFor()
    // No passkey: the second step offers none.
    assert.equal(await page.getByRole('button', { name: 'Use a passkey' }).count(), 0)
    await page.getByLabel('Code', { exact: true }).fill(codeAt(secret, clock.now()) === '123456' ? '654321' : '123456')
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.getByText('Invalid code.').first().waitFor()

    // The confirming code's step is used: the next step's code signs in.
    clock.advance(STEP_MS)
    await page.getByLabel('Code', { exact: true }).fill(codeAt(secret, clock.now()))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL((u) => u.pathname === '/account/')
    assert.deepEqual(claimsOf(await accessCookie()).amr, ['pwd', 'otp'])
  })

  it('When new recovery codes are asked for in a session signed in with a code, then no code is needed and the old codes stop working', async () => {
    const { page } = browser
    const form = page.locator('#recovery-codes-form')
    assert.equal(await form.getByLabel('Code', { exact: true }).count(), 0, 'a session with a second factor needs no code')
    await form.getByLabel('Current password').fill(user.password)
    await form.getByRole('button', { name: 'Get new recovery codes' }).click()
    await section().getByRole('heading', { name: 'Your recovery codes' }).waitFor()
    const fresh = await shownCodes()
    assert.equal(fresh.length, 10)
    assert.deepEqual(fresh.filter((c) => recoveryCodes.includes(c)), [])
    recoveryCodes = fresh
  })

  it('When TOTP is turned off with a wrong code, then "Invalid code."; with a recovery code, then it is off', async () => {
    const { page } = browser
    await page.goto(`${server.base}/account/`)
    const form = page.locator('#totp-disable-form')
    await form.getByLabel('Current password').fill(user.password)
    await form.getByLabel('Code', { exact: true }).fill('0000-0000')
    await form.getByRole('button', { name: 'Turn off authenticator app' }).click()
    await section().getByText('Invalid code.').first().waitFor()
    await assertAccessible(page, '/account/ with a wrong code to turn TOTP off')

    await page.locator('#totp-disable-form').getByLabel('Current password').fill(user.password)
    await page.locator('#totp-disable-form').getByLabel('Code', { exact: true }).fill(recoveryCodes[0] ?? '')
    await page.locator('#totp-disable-form').getByRole('button', { name: 'Turn off authenticator app' }).click()
    await page.getByText('The authenticator app is turned off.').waitFor()
    assert.equal(await section().locator('.badge').first().textContent(), 'Off')
    const status = await client(server.base).get('/api/mfa/', { bearer: await accessCookie() })
    assert.deepEqual(status.body, { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
    // No script error or CSP violation (a form answered 400 with its errors is logged by the browser, and is expected).
    assert.deepEqual(browser.consoleErrors.filter((m) => !m.startsWith('Failed to load resource')), [])
    assert.deepEqual(browser.elsewhere, [])
  })
})
