import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as oidc from 'openid-client'
import { registerAndActivate } from '../helpers/flows.ts'
import { client } from '../helpers/http.ts'
import { codeAt, STEP_MS } from '../helpers/mfa.ts'
import type { TestServer } from '../helpers/server.ts'
import {
  authorizationRequest, authorize, callbackOf, exchange, fillSignIn, openRpBrowser, registerClient, relyingParty, startOidcServer, verifyIdToken,
} from '../helpers/oidc.ts'
import type { AuthRequest, Registered } from '../helpers/oidc.ts'
import type { Page } from 'playwright-core'

// API.md §15: prompt=login and max_age force a fresh sign-in; acr_values=mfa a second factor (§12's amr and acr).
describe('OIDC sign-in prompts (GET /oidc/auth: prompt=login, max_age, acr_values=mfa)', () => {
  // Real time, moved ahead by whole TOTP steps: a code's step is used once, and the provider's own times are real.
  let ahead = 0
  const clock = { now: () => Date.now() + ahead, advance: (ms: number) => { ahead += ms } }
  let server: TestServer
  let portal: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer({}, { clock: clock.now })
    // First-party: no consent page, so each test is about the sign-in alone.
    portal = await registerClient(server, { name: 'Student Portal', firstParty: true })
    rp = await relyingParty(server, portal)
  })
  after(async () => { await server.close() })

  /** The ID token's claims after the sign-in page (no consent: the client is first-party). */
  async function signInFor(page: Page, request: AuthRequest, user: { email: string; password: string }) {
    return verifyIdToken(server, (await exchange(rp, await authorize(page, request.url, user, { consent: false }), request)).id_token, portal.clientId)
  }

  it('When the browser is signed in, then a second authorization is silent; with prompt=login the sign-in page asks again', async () => {
    const user = await registerAndActivate(server)
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      const first = await authorizationRequest(rp, { scope: 'openid' })
      const before = await signInFor(page, first, user)

      const silent = await authorizationRequest(rp, { scope: 'openid' })
      const paths: string[] = []
      page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname) })
      await exchange(rp, await callbackOf(page, () => page.goto(silent.url.href)), silent)
      assert.ok(!paths.includes('/login/'), 'no sign-in page without prompt=login')

      const again = await authorizationRequest(rp, { scope: 'openid', prompt: 'login' })
      const claims = await signInFor(page, again, user)
      assert.ok(Number(claims.auth_time) >= Number(before.auth_time))
    } finally {
      await browser.close()
    }
  })

  it('When max_age is shorter than the age of the browser\'s sign-in, then the sign-in page asks again; a recent one is accepted', async () => {
    const user = await registerAndActivate(server)
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      await page.goto(`${server.base}/login/`)
      await fillSignIn(page, user.email, user.password)
      await page.waitForURL((u) => u.pathname === '/account/')
      // The browser signed in an hour ago (its session's stored sign-in time, aged).
      const { id } = await server.db.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirstOrThrow()
      await server.db.updateTable('authSessions').set((eb) => ({ createdAt: eb('createdAt', '-', 3_600_000) })).where('userId', '=', id).execute()

      const stale = await authorizationRequest(rp, { scope: 'openid', max_age: '600' })
      const claims = await signInFor(page, stale, user)
      assert.ok(Date.now() / 1000 - Number(claims.auth_time) < 600, 'auth_time is the new sign-in')

      const recent = await authorizationRequest(rp, { scope: 'openid', max_age: '600' })
      const paths: string[] = []
      page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) paths.push(new URL(frame.url()).pathname) })
      await exchange(rp, await callbackOf(page, () => page.goto(recent.url.href)), recent)
      assert.ok(!paths.includes('/login/'), 'a sign-in within max_age is not asked again')
    } finally {
      await browser.close()
    }
  })

  it('When acr_values=mfa and the session signed in with a password only, then the sign-in asks the TOTP code and the ID token says so', async () => {
    const user = await registerAndActivate(server)
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      // Signed in with a password, then TOTP enrolled from that session (which it keeps, API.md §12).
      await page.goto(`${server.base}/login/`)
      await fillSignIn(page, user.email, user.password)
      await page.waitForURL((u) => u.pathname === '/account/')
      const access = (await browser.context.cookies(server.base)).find((c) => c.name === 'access')?.value ?? ''
      const api = client(server.base)
      const setup = await api.post('/api/mfa/totp/setup/', { current_password: user.password }, { bearer: access })
      const { secret } = setup.body as { secret: string }
      assert.equal((await api.post('/api/mfa/totp/confirm/', { code: codeAt(secret, clock.now()) }, { bearer: access })).status, 200)
      clock.advance(STEP_MS)

      const request = await authorizationRequest(rp, { scope: 'openid', acr_values: 'mfa' })
      const callback = await callbackOf(page, async () => {
        await page.goto(request.url.href)
        await page.waitForURL((u) => u.pathname === '/login/')
        await fillSignIn(page, user.email, user.password)
        await page.getByLabel('Code').fill(codeAt(secret, clock.now()))
        await page.getByRole('button', { name: 'Verify' }).click()
      })
      const claims = await verifyIdToken(server, (await exchange(rp, callback, request)).id_token, portal.clientId)
      assert.equal(claims.acr, 'mfa')
      assert.deepEqual(claims.amr, ['pwd', 'otp'])
    } finally {
      await browser.close()
    }
  })

  it('When acr_values=mfa and the user has no second factor, then the client gets unmet_authentication_requirements', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp, { scope: 'openid', acr_values: 'mfa' })
    const browser = await openRpBrowser(server.base)
    try {
      const callback = await authorize(browser.page, request.url, user, { consent: false })
      assert.equal(callback.searchParams.get('error'), 'unmet_authentication_requirements')
      assert.equal(callback.searchParams.get('state'), request.state)
    } finally {
      await browser.close()
    }
  })
})
