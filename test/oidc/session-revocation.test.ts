import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as oidc from 'openid-client'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { client } from '../helpers/http.ts'
import type { TestServer } from '../helpers/server.ts'
import { authorizationRequest, authorize, exchange, openRpBrowser, registerClient, relyingParty, startOidcServer, tokenEndpoint } from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §11, §15: revoking a user's sessions (POST /api/logout/all/, a password change, ...) revokes their OIDC
// grants: the relying parties' access and refresh tokens stop working, and the remembered consent goes.
describe('OIDC grants end with the user\'s sessions (POST /api/logout/all/, POST /api/users/set_password/)', () => {
  let server: TestServer
  let library: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer()
    library = await registerClient(server, { name: 'Campus Library' })
    rp = await relyingParty(server, library)
  })
  after(async () => { await server.close() })

  async function grantTokens(user: { email: string; password: string }) {
    const request = await authorizationRequest(rp, { scope: 'openid offline_access', prompt: 'consent' })
    const browser = await openRpBrowser(server.base)
    try {
      return await exchange(rp, await authorize(browser.page, request.url, user), request)
    } finally {
      await browser.close()
    }
  }

  async function assertRevoked(tokens: { access_token: string; refresh_token?: string }) {
    assert.deepEqual(await oidc.tokenIntrospection(rp, tokens.access_token), { active: false })
    const refreshed = await tokenEndpoint(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token ?? '' }, library)
    assert.equal(refreshed.body.error, 'invalid_grant')
  }

  it('When the user signs out everywhere, then the relying party\'s tokens are revoked', async () => {
    const user = await registerAndActivate(server)
    const tokens = await grantTokens(user)
    const sub = String((await oidc.tokenIntrospection(rp, tokens.access_token)).sub)
    const api = client(server.base)
    const { access } = await login(api, user.email, user.password)
    assert.equal((await api.post('/api/logout/all/', {}, { bearer: access })).status, 204)
    await assertRevoked(tokens)
    // The remembered consent (the provider's Grant) is gone too.
    assert.deepEqual(await server.db.selectFrom('oidcPayloads').select('id').where('model', '=', 'Grant').where('accountId', '=', sub).execute(), [])
  })

  it('When the user changes their password, then the relying party\'s tokens are revoked', async () => {
    const user = await registerAndActivate(server)
    const tokens = await grantTokens(user)
    const api = client(server.base)
    const { access } = await login(api, user.email, user.password)
    const changed = await api.post('/api/users/set_password/', {
      current_password: user.password, new_password: 'An0ther-long-passphrase!', re_new_password: 'An0ther-long-passphrase!',
    }, { bearer: access })
    assert.equal(changed.status, 204, changed.text)
    await assertRevoked(tokens)
  })
})
