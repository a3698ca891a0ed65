import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

const EVIL = 'https://evil.example'
const refused = (origin: string) => ({ detail: `CSRF Failed: Origin checking failed - ${origin} does not match any trusted origins.` })

describe('CSRF check on cookie-authenticated requests (API.md §11)', () => {
  let server: TestServer
  let cookies: Record<string, string>
  let access: string
  before(async () => {
    server = await startServer()
    const user = await registerAndActivate(server)
    const tokens = await login(client(server.base), user.email, user.password)
    cookies = { access: tokens.access, refresh: tokens.refresh }
    access = tokens.access
  })
  after(async () => { await server.close() })

  it('When a cookie request comes from an untrusted Origin, then 403 with Django\'s message', async () => {
    const api = client(server.base)
    const unsafe = [['PATCH', '/api/users/me/'], ['POST', '/api/jwt/refresh/'], ['POST', '/api/jwt/verify/'], ['POST', '/api/logout/']] as const
    for (const [method, path] of unsafe) {
      const res = await api.call(method, path, { json: {}, cookies, headers: { origin: EVIL } })
      assert.equal(res.status, 403, `${method} ${path}`)
      assert.deepEqual(res.body, refused(EVIL))
    }
    assert.equal((await api.get('/api/users/me/', { cookies })).status, 200)
  })

  it('When there is no Origin, then the Referer decides', async () => {
    const api = client(server.base)
    const res = await api.patch('/api/users/me/', {}, { cookies, headers: { referer: `${EVIL}/page?x=1` } })
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, refused(EVIL))
    const ok = await api.patch('/api/users/me/', {}, { cookies, headers: { referer: 'http://localhost:3000/profile' } })
    assert.equal(ok.status, 200)
  })

  it('When the Origin is the web client, the service itself, or absent (curl), then the request passes', async () => {
    const api = client(server.base)
    const cases: Record<string, string>[] = [{ origin: 'http://localhost:3000' }, { origin: server.base }, {}]
    for (const headers of cases) {
      const res = await api.post('/api/jwt/verify/', undefined, { cookies, headers })
      assert.equal(res.status, 200, JSON.stringify(headers))
    }
  })

  it('When Sec-Fetch-Site is cross-site without a trusted origin, then 403', async () => {
    const api = client(server.base)
    const res = await api.patch('/api/users/me/', {}, { cookies, headers: { 'sec-fetch-site': 'cross-site' } })
    assert.equal(res.status, 403)
    const trusted = await api.patch('/api/users/me/', {}, { cookies, headers: { 'sec-fetch-site': 'cross-site', origin: 'http://localhost:3000' } })
    assert.equal(trusted.status, 200)
  })

  it('When the request uses a Bearer header, then the Origin does not matter (no ambient credential)', async () => {
    const api = client(server.base)
    const res = await api.patch('/api/users/me/', {}, { bearer: access, headers: { origin: EVIL } })
    assert.equal(res.status, 200)
  })
})
