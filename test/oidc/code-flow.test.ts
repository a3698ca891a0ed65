import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oidc from 'openid-client'
import { registerAndActivate } from '../helpers/flows.ts'
import type { TestServer } from '../helpers/server.ts'
import {
  authorizationRequest, authorize, callbackOf, exchange, openRpBrowser, registerClient, relyingParty, startOidcServer, verifyIdToken,
} from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §15: the authorization code flow with PKCE, a real relying party (openid-client), the pages in Chromium.
describe('OIDC authorization code flow (GET /oidc/auth, POST /oidc/token, GET /oidc/me)', () => {
  let server: TestServer
  let library: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer()
    library = await registerClient(server, { name: 'Campus Library' })
    rp = await relyingParty(server, library)
  })
  after(async () => { await server.close() })

  it('When a user signs in and allows, then the code gives an ID token signed by a published key, and userinfo the scopes\' claims', async () => {
    const user = await registerAndActivate(server, { first_name: 'Ada', last_name: 'Lovelace' })
    const request = await authorizationRequest(rp, { scope: 'openid profile email' })
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      const callback = await callbackOf(page, async () => {
        await page.goto(request.url.href)
        await page.waitForURL((u) => u.pathname === '/login/')
        await page.getByLabel('Email').fill(user.email)
        await page.getByLabel('Password').fill(user.password)
        await page.getByRole('button', { name: 'Sign in', exact: true }).click()
        await page.getByRole('heading', { name: 'Allow Campus Library?' }).waitFor()
        const listed = await page.getByRole('listitem').allTextContents()
        assert.deepEqual(listed.map((t) => t.replace(/\s+/g, ' ').trim()), [
          'Know who you are (your account id) (openid)', 'Your name, username and profile picture (profile)', 'Your email address (email)',
        ])
        await page.getByRole('button', { name: 'Allow' }).click()
      })
      assert.equal(callback.searchParams.get('state'), request.state)
      assert.equal(callback.searchParams.get('iss'), server.base)
      const tokens = await exchange(rp, callback, request)
      assert.equal(tokens.token_type.toLowerCase(), 'bearer')
      assert.equal(tokens.refresh_token, undefined, 'no offline_access: no refresh token')
      const claims = await verifyIdToken(server, tokens.id_token, library.clientId)
      const row = await server.db.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirstOrThrow()
      assert.equal(claims.sub, String(row.id))
      assert.equal(claims.nonce, request.nonce)
      assert.deepEqual(claims.amr, ['pwd'])
      assert.equal(claims.acr, 'pwd')
      assert.equal(typeof claims.auth_time, 'number')
      const info = await oidc.fetchUserInfo(rp, tokens.access_token, String(row.id))
      assert.deepEqual(info, {
        sub: String(row.id), name: 'Ada Lovelace', given_name: 'Ada', family_name: 'Lovelace', preferred_username: user.username,
        picture: `${server.base}/media/profile_pictures/avatar-male.png`, email: user.email, email_verified: true,
      })
      const events = await server.db.selectFrom('auditEvents').select(['type', 'userId', 'data']).where('type', '=', 'oidc.consent_granted').execute()
      assert.deepEqual(events.map((e) => ({ ...e, data: JSON.parse(String(e.data)) as unknown })), [{
        type: 'oidc.consent_granted', userId: row.id, data: { client_id: library.clientId, scopes: ['openid', 'profile', 'email'] },
      }])
    } finally {
      await browser.close()
    }
  })

  it('When the user allowed a client once, then signing in again in another browser asks no consent', async () => {
    const user = await registerAndActivate(server)
    const first = await authorizationRequest(rp, { scope: 'openid' })
    const one = await openRpBrowser(server.base)
    try {
      await exchange(rp, await authorize(one.page, first.url, user), first)
    } finally {
      await one.close()
    }
    const again = await authorizationRequest(rp, { scope: 'openid' })
    const two = await openRpBrowser(server.base)
    try {
      const tokens = await exchange(rp, await authorize(two.page, again.url, user, { consent: false }), again)
      assert.ok(tokens.id_token)
    } finally {
      await two.close()
    }
  })

  it('When the client is first-party, then no consent page is shown', async () => {
    const portal = await registerClient(server, { name: 'Student Portal', firstParty: true })
    const portalRp = await relyingParty(server, portal)
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(portalRp, { scope: 'openid email unilink' })
    const browser = await openRpBrowser(server.base)
    try {
      const tokens = await exchange(portalRp, await authorize(browser.page, request.url, user, { consent: false }), request)
      const sub = String((await verifyIdToken(server, tokens.id_token, portal.clientId)).sub)
      const info = await oidc.fetchUserInfo(portalRp, tokens.access_token, sub)
      assert.deepEqual(info, { sub, email: user.email, email_verified: true, user_type: 5, university: null, department: null })
    } finally {
      await browser.close()
    }
  })

  it('When the user presses Deny, then the client gets access_denied at its redirect URI', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp)
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      const callback = await callbackOf(page, async () => {
        await page.goto(request.url.href)
        await page.getByLabel('Email').fill(user.email)
        await page.getByLabel('Password').fill(user.password)
        await page.getByRole('button', { name: 'Sign in', exact: true }).click()
        await page.getByRole('button', { name: 'Deny' }).click()
      })
      assert.equal(callback.searchParams.get('error'), 'access_denied')
      assert.equal(callback.searchParams.get('state'), request.state)
      assert.equal(callback.searchParams.get('code'), null)
    } finally {
      await browser.close()
    }
  })
})
