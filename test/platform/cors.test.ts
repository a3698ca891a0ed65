import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'

const LOCAL = 'http://localhost:3000'
const PREFLIGHT_METHODS = 'DELETE, GET, OPTIONS, PATCH, POST, PUT'
const PREFLIGHT_HEADERS = 'accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with'

function assertAllowed(res: Reply, origin: string, label = ''): void {
  assert.equal(res.headers.get('access-control-allow-origin'), origin, label)
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true', label)
}

function assertNotAllowed(res: Reply, label = ''): void {
  assert.equal(res.headers.get('access-control-allow-origin'), null, label)
}

function preflight(api: Client, path: string, origin: string, method = 'POST'): Promise<Reply> {
  return api.call('OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' },
  })
}

function assertPreflight(res: Reply, origin: string): void {
  assert.equal(res.status, 200)
  assertAllowed(res, origin)
  assert.equal(res.headers.get('access-control-allow-methods'), PREFLIGHT_METHODS)
  assert.equal(res.headers.get('access-control-allow-headers'), PREFLIGHT_HEADERS)
  assert.equal(res.headers.get('access-control-max-age'), '86400')
}

describe('CORS (API.md §9)', () => {
  let server: TestServer
  let custom: TestServer
  let api: Client

  before(async () => {
    [server, custom] = await Promise.all([
      startServer(),
      startServer({ CORS_ALLOWED_ORIGINS: ' https://app.example.org ,https://admin.example.org,, ' }),
    ])
    api = client(server.base)
  })
  after(async () => { await Promise.all([server.close(), custom.close()]) })

  it('When an allowed origin calls, then every response carries its origin and credentials, errors included', async () => {
    const origin = { headers: { origin: LOCAL } }
    const replies: [string, Reply][] = [
      ['200', await api.get('/', origin)],
      ['204', await api.post('/api/users/resend_activation/', { email: 'x@example.com' }, origin)],
      ['301', await api.get('/api/users/me', origin)],
      ['400', await api.post('/api/jwt/create/', {}, origin)],
      ['401', await api.get('/api/users/me/', origin)],
      ['404', await api.get('/api/nope/', origin)],
      ['405', await api.get('/api/jwt/create/', origin)],
      ['415', await api.call('POST', '/api/jwt/create/', { body: 'x', headers: { origin: LOCAL, 'content-type': 'text/plain' } })],
      [
        '413',
        await api.call(
          'POST',
          '/api/jwt/create/',
          { body: JSON.stringify({ e: 'x'.repeat(70_000) }), headers: { origin: LOCAL, 'content-type': 'application/json' } },
        ),
      ],
      // Answered by Fastify before any hook: a path that does not decode, a path segment over the length limit.
      ['404', await api.get('/api/users/%E0%A4%A/', origin)],
      ['404', await api.get(`/api/users/${'9'.repeat(150)}/`, origin)],
    ]
    for (const [status, res] of replies) {
      assert.equal(String(res.status), status)
      assertAllowed(res, LOCAL, status)
      assert.match(res.headers.get('vary') ?? '', /Origin/i, status)
    }
  })

  it('When the second default origin (127.0.0.1:3000) calls, then it is allowed too', async () => {
    assertAllowed(await api.get('/api/users/me/', { headers: { origin: 'http://127.0.0.1:3000' } }), 'http://127.0.0.1:3000')
  })

  it('When an allowed origin sends a preflight, then 200 with the allowed methods, headers and max age', async () => {
    for (const path of ['/api/jwt/create/', '/api/users/me/', '/api/users/7/']) {
      const res = await preflight(api, path, LOCAL, 'DELETE')
      assertPreflight(res, LOCAL)
      assert.equal(res.text, '')
    }
  })

  it('When a preflight asks about a protected view, then it is answered before authentication', async () => {
    const res = await preflight(api, '/api/logout/', LOCAL)
    assertPreflight(res, LOCAL)
    assert.equal(res.headers.get('www-authenticate'), null)
  })

  it('When another origin calls, then no Access-Control-Allow-Origin, on answers and on preflights', async () => {
    for (const origin of ['https://evil.example', 'http://localhost:3001', 'http://localhost:3000.evil.example', 'null']) {
      assertNotAllowed(await api.get('/api/users/me/', { headers: { origin } }), origin)
      assertNotAllowed(await api.post('/api/jwt/create/', {}, { headers: { origin } }), origin)
      assertNotAllowed(await preflight(api, '/api/jwt/create/', origin), origin)
    }
  })

  it('When no Origin is sent, then no Access-Control-Allow-Origin', async () => {
    assertNotAllowed(await api.get('/api/users/me/'))
  })

  it('When CORS_ALLOWED_ORIGINS is set, then exactly its trimmed origins are allowed', async () => {
    const other = client(custom.base)
    for (const origin of ['https://app.example.org', 'https://admin.example.org']) {
      assertAllowed(await other.get('/api/users/me/', { headers: { origin } }), origin, origin)
      assertPreflight(await preflight(other, '/api/jwt/create/', origin), origin)
    }
    for (const origin of [LOCAL, 'http://127.0.0.1:3000', 'https://app.example.org.evil', 'https://app.example.org/', '']) {
      assertNotAllowed(await other.get('/api/users/me/', { headers: { origin } }), JSON.stringify(origin))
    }
  })
})
