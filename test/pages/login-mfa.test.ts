import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { createTestClock } from '../helpers/clock.ts'
import { STEP_MS, claimsOf, codeAt, enrolTotp, midStep } from '../helpers/mfa.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §12 on §14's /login/: a user with a second factor is never signed in by the password alone; the second step
// (`Code`, `Verify`) takes a TOTP code or a recovery code. The service's clock is the test's, so codes are known.
const clock = createTestClock(midStep())

describe('Hosted pages: /login/ with a second factor (API.md §12, §14)', () => {
  let server: TestServer
  let browser: TestBrowser

  before(async () => {
    server = await startServer({}, { clock: clock.now })
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const cookieNames = async () => (await browser.context.cookies()).map((c) => c.name).filter((n) => n === 'access' || n === 'refresh').sort()

  it('When a user with TOTP signs in, then the password alone sets no cookie; a wrong code is refused; the right one signs in', async () => {
    const user = await enrolTotp(server, client(server.base), clock.now)
    browser = await openBrowser(server.base)
    const { page } = browser
    await signIn(page, server.base, user.email, user.password, '/login/?next=/account/')
    assert.equal(new URL(page.url()).pathname, '/login/')
    await page.getByLabel('Code').waitFor()
    assert.deepEqual(await cookieNames(), [], 'no session after the password alone')
    assert.equal((await page.locator('input[name="mfa_token"]').getAttribute('type')), 'hidden')
    await assertAccessible(page, 'second step')
    await screenshot(page, 'login-mfa')
    // /account/ is still closed: it sends back to the sign-in page.
    const closed = await client(server.base).get('/account/')
    assert.equal(closed.status, 303)

    await page.getByLabel('Code').fill('000000' === codeAt(user.secret, clock.now()) ? '111111' : '000000')
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.getByText('Invalid code.').first().waitFor()
    assert.equal(await page.getByLabel('Code').getAttribute('aria-invalid'), 'true')
    assert.deepEqual(await cookieNames(), [])

    clock.advance(STEP_MS)
    await page.getByLabel('Code').fill(codeAt(user.secret, clock.now()))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL((u) => u.pathname === '/account/')
    assert.deepEqual(await cookieNames(), ['access', 'refresh'])
    const access = (await browser.context.cookies()).find((c) => c.name === 'access')?.value ?? ''
    assert.deepEqual(claimsOf(access).amr, ['pwd', 'otp'])
    const me = await client(server.base).get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
    assert.equal((me.body as { email: string }).email, user.email)
  })

  it('When a recovery code is given at the Code step, then it signs in; a used-up token goes back to step one with §12\'s message', async () => {
    const user = await enrolTotp(server, client(server.base), clock.now)
    const own = await openBrowser(server.base)
    try {
      const { page } = own
      await signIn(page, server.base, user.email, user.password)
      await page.getByLabel('Code').fill(user.recoveryCodes[0] ?? '')
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.waitForURL((u) => u.pathname === '/account/')
      const names = (await own.context.cookies()).map((c) => c.name)
      assert.ok(names.includes('access') && names.includes('refresh'))

      // Five wrong codes use up the token (API.md §12): the sixth try is sent back to the first step.
      await own.context.clearCookies()
      await signIn(page, server.base, user.email, user.password)
      for (let i = 0; i < 5; i += 1) {
        await page.getByLabel('Code').fill(`00000${i}`)
        await page.getByRole('button', { name: 'Verify' }).click()
        await page.getByText('Invalid code.').first().waitFor()
      }
      await page.getByLabel('Code').fill(codeAt(user.secret, clock.now()))
      await page.getByRole('button', { name: 'Verify' }).click()
      await page.getByText('Token is invalid or expired').waitFor()
      await page.getByLabel('Email').waitFor()
      await page.getByLabel('Password').waitFor()
      assert.deepEqual((await own.context.cookies()).filter((c) => c.name === 'access' || c.name === 'refresh'), [])
    } finally {
      await own.close()
    }
  })
})
