import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import { startOidcServer } from '../helpers/oidc.ts'

// API.md §15: discovery, the JWKS (ES256 and EdDSA, each with a kid, no private part), and the routes in OpenAPI.
describe('OIDC discovery (GET /.well-known/openid-configuration, GET /.well-known/jwks.json)', () => {
  let server: TestServer

  before(async () => { server = await startOidcServer() })
  after(async () => { await server.close() })

  it('When the metadata is fetched, then it names our issuer, endpoints, the code flow with S256 and the §15 scopes', async () => {
    const res = await fetch(`${server.base}/.well-known/openid-configuration`)
    assert.equal(res.status, 200)
    const meta = await res.json() as Record<string, unknown>
    assert.equal(meta.issuer, server.base)
    assert.equal(meta.authorization_endpoint, `${server.base}/oidc/auth`)
    assert.equal(meta.token_endpoint, `${server.base}/oidc/token`)
    assert.equal(meta.userinfo_endpoint, `${server.base}/oidc/me`)
    assert.equal(meta.jwks_uri, `${server.base}/.well-known/jwks.json`)
    assert.equal(meta.revocation_endpoint, `${server.base}/oidc/token/revocation`)
    assert.equal(meta.introspection_endpoint, `${server.base}/oidc/token/introspection`)
    assert.equal(meta.end_session_endpoint, `${server.base}/oidc/session/end`)
    assert.deepEqual(meta.response_types_supported, ['code'])
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256'])
    assert.deepEqual(meta.scopes_supported, ['openid', 'offline_access', 'profile', 'email', 'unilink'])
    assert.deepEqual(meta.id_token_signing_alg_values_supported, ['ES256', 'EdDSA'])
    assert.deepEqual(meta.acr_values_supported, ['pwd', 'mfa'])
    assert.deepEqual(meta.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none'])
  })

  it('When the JWKS is fetched, then an ES256 and an EdDSA public key, each with a kid and without private parts', async () => {
    const res = await fetch(`${server.base}/.well-known/jwks.json`)
    assert.equal(res.status, 200)
    const { keys } = await res.json() as { keys: Record<string, unknown>[] }
    assert.deepEqual(keys.map((k) => [k.alg, k.use]).sort(), [['ES256', 'sig'], ['EdDSA', 'sig']])
    for (const key of keys) {
      assert.match(String(key.kid), /^[\w-]{20,}$/)
      assert.equal(key.d, undefined)
    }
  })

  it('When the OpenAPI document is read, then the provider\'s routes and the interaction pages are in it', async () => {
    const schema = await (await fetch(`${server.base}/api/schema/`)).json() as { paths: Record<string, unknown> }
    for (const path of ['/.well-known/openid-configuration', '/.well-known/jwks.json', '/oidc/auth', '/oidc/token', '/oidc/me',
      '/oidc/token/revocation', '/oidc/token/introspection', '/oidc/session/end', '/oidc/interaction/{uid}/', '/oidc/interaction/{uid}/consent/']) {
      assert.ok(path in schema.paths, path)
    }
  })

  it('When the token endpoint gets no body or broken JSON, then an OAuth error, never a 500', async () => {
    const empty = await fetch(`${server.base}/oidc/token`, { method: 'POST' })
    assert.equal(empty.status, 400)
    assert.equal((await empty.json() as { error: string }).error, 'invalid_request')
    const json = await fetch(`${server.base}/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' })
    assert.equal(json.status, 400)
    assert.equal((await json.json() as { error: string }).error, 'invalid_request')
  })
})
