import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oidc from 'openid-client'
import { registerAndActivate } from '../helpers/flows.ts'
import type { TestServer } from '../helpers/server.ts'
import {
  POST_LOGOUT_URI, authorizationRequest, authorize, callbackOf, exchange, openRpBrowser, registerClient, relyingParty, startOidcServer, tokenEndpoint,
} from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §15: refresh tokens (offline_access, rotated, reuse revokes the grant), RFC 7009 revocation, RFC 7662
// introspection for confidential clients, RP-initiated logout.
describe('OIDC tokens: POST /oidc/token (refresh), /oidc/token/revocation, /oidc/token/introspection, /oidc/session/end', () => {
  let server: TestServer
  let library: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer()
    library = await registerClient(server, { name: 'Campus Library' })
    rp = await relyingParty(server, library)
  })
  after(async () => { await server.close() })

  /** A fresh user's tokens for `scope`, through the browser, in a browser of their own. */
  async function tokensFor(config: oidc.Configuration, scope: string, prompt?: string) {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(config, { scope, ...(prompt === undefined ? {} : { prompt }) })
    const browser = await openRpBrowser(server.base)
    try {
      return { user, tokens: await exchange(config, await authorize(browser.page, request.url, user), request) }
    } finally {
      await browser.close()
    }
  }

  async function introspect(token: string) {
    return oidc.tokenIntrospection(rp, token)
  }

  it('When a refresh token is used, then a new one comes back; using the old one again revokes the grant and every token of it', async () => {
    const { tokens } = await tokensFor(rp, 'openid offline_access', 'consent')
    const first = tokens.refresh_token
    assert.ok(first !== undefined, 'offline_access gives a refresh token')
    const refreshed = await oidc.refreshTokenGrant(rp, first)
    const second = refreshed.refresh_token
    assert.ok(second !== undefined && second !== first, 'the refresh token rotates')
    assert.equal((await introspect(refreshed.access_token)).active, true)

    const reused = await tokenEndpoint(server, { grant_type: 'refresh_token', refresh_token: first }, library)
    assert.equal(reused.status, 400)
    assert.equal(reused.body.error, 'invalid_grant')
    const afterReuse = await tokenEndpoint(server, { grant_type: 'refresh_token', refresh_token: second }, library)
    assert.equal(afterReuse.body.error, 'invalid_grant', 'the newest refresh token of the grant is revoked too')
    assert.equal((await introspect(refreshed.access_token)).active, false)
  })

  it('When the client revokes its refresh token (RFC 7009), then it is inactive and refreshes no more', async () => {
    const { tokens } = await tokensFor(rp, 'openid offline_access', 'consent')
    const refresh = tokens.refresh_token ?? ''
    assert.equal((await introspect(refresh)).active, true)
    await oidc.tokenRevocation(rp, refresh)
    assert.deepEqual(await introspect(refresh), { active: false })
    const res = await tokenEndpoint(server, { grant_type: 'refresh_token', refresh_token: refresh }, library)
    assert.equal(res.body.error, 'invalid_grant')
  })

  it('When a confidential client introspects an access token, then RFC 7662 names its client, subject and scope', async () => {
    const { tokens } = await tokensFor(rp, 'openid email')
    const info = await introspect(tokens.access_token)
    assert.equal(info.active, true)
    assert.equal(info.client_id, library.clientId)
    assert.equal(info.scope, 'openid email')
    assert.equal(info.token_type, 'Bearer')
    assert.match(String(info.sub), /^\d+$/)
  })

  it('When a public client calls introspection, then it learns nothing: its own valid token is `active: false`', async () => {
    const app = await registerClient(server, { type: 'public', name: 'Room Booking App' })
    const appRp = await relyingParty(server, app)
    const { tokens } = await tokensFor(appRp, 'openid')
    assert.deepEqual(await oidc.tokenIntrospection(appRp, tokens.access_token), { active: false })
    assert.equal((await introspect(tokens.access_token)).active, true, 'a confidential client sees it active')
  })

  it('When the relying party sends the user to end-session and they sign out, then both sessions end and the browser returns', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp, { scope: 'openid', prompt: 'consent' })
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      const tokens = await exchange(rp, await authorize(page, request.url, user), request)
      const state = oidc.randomState()
      const logoutUrl = oidc.buildEndSessionUrl(rp, { id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: POST_LOGOUT_URI, state })
      const back = await callbackOf(page, async () => {
        await page.goto(logoutUrl.href)
        await page.getByRole('button', { name: 'Sign out' }).click()
      }, POST_LOGOUT_URI)
      assert.equal(back.searchParams.get('state'), state)
      const cookies = await browser.context.cookies(server.base)
      assert.deepEqual(cookies.filter((c) => c.name === 'access' || c.name === 'refresh'), [])
      // Signed out of UniLink too: the next authorization asks for the password again.
      const next = await authorizationRequest(rp, { scope: 'openid' })
      await page.goto(next.url.href)
      await page.waitForURL((u) => u.pathname === '/login/')
    } finally {
      await browser.close()
    }
  })
})
