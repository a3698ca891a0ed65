import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oidc from 'openid-client'
import { registerAndActivate } from '../helpers/flows.ts'
import type { TestServer } from '../helpers/server.ts'
import {
  REDIRECT_URI, RP_ORIGIN, authorizationRequest, authorize, exchange, openRpBrowser, registerClient, relyingParty, startOidcServer, tokenEndpoint,
} from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §15, bad input: the provider's standard OAuth errors, never a 500 and never a stack trace.
describe('OIDC bad requests (GET /oidc/auth, POST /oidc/token)', () => {
  let server: TestServer
  let library: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer()
    library = await registerClient(server, { name: 'Campus Library' })
    rp = await relyingParty(server, library)
  })
  after(async () => { await server.close() })

  async function authorizePage(params: Record<string, string>) {
    const res = await fetch(`${server.base}/oidc/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { accept: 'text/html' } })
    return { status: res.status, location: res.headers.get('location'), type: res.headers.get('content-type'), text: await res.text() }
  }

  function assertNoStackTrace(text: string): void {
    assert.doesNotMatch(text, /\n\s+at [\w.<>]+ \(|node_modules|\.js:\d+/)
  }

  it('When the redirect_uri is not one the client registered, then an error page and no redirect', async () => {
    const res = await authorizePage({
      client_id: library.clientId, response_type: 'code', scope: 'openid', redirect_uri: `${RP_ORIGIN}/elsewhere`,
      code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', state: 's1',
    })
    assert.equal(res.status, 400)
    assert.equal(res.location, null)
    assert.match(res.type ?? '', /^text\/html/)
    assert.match(res.text, /<code>invalid_redirect_uri<\/code>/)
    assertNoStackTrace(res.text)
  })

  it('When the client is unknown, then an error page naming invalid_client, and no redirect', async () => {
    const res = await authorizePage({ client_id: 'no-such-client', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI })
    assert.equal(res.status, 400)
    assert.equal(res.location, null)
    assert.match(res.text, /<code>invalid_client<\/code>/)
  })

  it('When a public client sends no PKCE challenge, then the client gets invalid_request at its redirect URI', async () => {
    const app = await registerClient(server, { type: 'public', name: 'Room Booking App' })
    const res = await authorizePage({ client_id: app.clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, state: 's2' })
    assert.equal(res.status, 303)
    const location = new URL(res.location ?? '')
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI)
    assert.equal(location.searchParams.get('error'), 'invalid_request')
    assert.equal(location.searchParams.get('error_description'), 'Authorization Server policy requires PKCE to be used for this request')
    assert.equal(location.searchParams.get('state'), 's2')
  })

  it('When parameters are oversized, then OAuth errors (or Node\'s 431 for a header), never a 500', async () => {
    const longClient = await authorizePage({ client_id: 'c'.repeat(5000), response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI })
    assert.equal(longClient.status, 400)
    assert.match(longClient.text, /invalid_client/)
    const longUrl = await fetch(`${server.base}/oidc/auth?state=${'s'.repeat(20_000)}`, { redirect: 'manual' })
    assert.equal(longUrl.status, 431)
    const longCode = await tokenEndpoint(server, { grant_type: 'authorization_code', code: 'x'.repeat(10_000), redirect_uri: REDIRECT_URI }, library)
    assert.deepEqual(longCode, { status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } })
    const hugeBody = await tokenEndpoint(server, { grant_type: 'authorization_code', code: 'y', padding: 'p'.repeat(60 * 1024) }, library)
    assert.equal(hugeBody.status, 400)
    assert.equal(hugeBody.body.error, 'invalid_request')
    const badGrant = await tokenEndpoint(server, { grant_type: 'password', username: 'a', password: 'b' }, library)
    assert.equal(badGrant.status, 400)
    assert.equal(badGrant.body.error, 'unsupported_grant_type')
  })

  it('When the state or the code is tampered with, then the relying party refuses the state and the provider the code', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp)
    const browser = await openRpBrowser(server.base)
    try {
      const callback = await authorize(browser.page, request.url, user)
      const wrongState = new URL(callback)
      wrongState.searchParams.set('state', `${request.state}x`)
      await assert.rejects(exchange(rp, wrongState, request), (error: unknown) => {
        assert.match(String((error as { cause?: unknown }).cause), /unexpected "state" response parameter value/)
        return true
      })
      const wrongCode = new URL(callback)
      wrongCode.searchParams.set('code', `${callback.searchParams.get('code') ?? ''}x`)
      await assert.rejects(exchange(rp, wrongCode, request), (error: unknown) => error instanceof oidc.ResponseBodyError && error.error === 'invalid_grant')
      // The genuine code still works: neither tampered attempt used it up.
      assert.ok((await exchange(rp, callback, request)).access_token)
    } finally {
      await browser.close()
    }
  })

  it('When a code is used twice, then the second use fails and revokes what the first issued', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' })
    const browser = await openRpBrowser(server.base)
    try {
      const callback = await authorize(browser.page, request.url, user)
      const tokens = await exchange(rp, callback, request)
      const again = await tokenEndpoint(server, {
        grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: REDIRECT_URI, code_verifier: request.verifier,
      }, library)
      assert.deepEqual(again, { status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } })
      assert.deepEqual(await oidc.tokenIntrospection(rp, tokens.access_token), { active: false })
      assert.deepEqual(await oidc.tokenIntrospection(rp, tokens.refresh_token ?? ''), { active: false })
    } finally {
      await browser.close()
    }
  })
})
