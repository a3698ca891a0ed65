import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { rawRequest } from '../helpers/raw-http.ts'

// API.md §1: Host must be one of ALLOWED_HOSTS (Django's setting and syntax). @see issue 12, item 4.
const INVALID_HOST = { detail: 'Invalid Host header.' }
const WEB_CLIENT = 'http://localhost:3000'

/** One request with the given Host line (none when null), over a raw socket: fetch cannot forge a Host. */
function withHost(base: string, host: string | null, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {}) {
  const lines = [`${opts.method ?? 'GET'} ${opts.path ?? '/api/users/me/'} HTTP/1.1`, ...(host === null ? [] : [`Host: ${host}`]), 'Connection: close']
  for (const [name, value] of Object.entries(opts.headers ?? {})) lines.push(`${name}: ${value}`)
  if (opts.body !== undefined) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(opts.body)}`)
  return rawRequest(base, `${lines.join('\r\n')}\r\n\r\n${opts.body ?? ''}`)
}

describe('Host validation: ALLOWED_HOSTS (API.md §1)', () => {
  describe('with the default setting', () => {
    let server: TestServer
    let access: string
    before(async () => {
      server = await startServer({ DOMAIN: 'web.unilink.example.org' })
      const user = await registerAndActivate(server)
      access = (await login(client(server.base), user.email, user.password)).access
    })
    after(async () => { await server.close() })

    it('When the Host is not allowed, then 400 "Invalid Host header." and no picture URL is built on it', async () => {
      for (const host of ['evil.example', 'evil.example:80', '127.0.0.1.evil.example', 'localhost.evil.example', '127.0.0.1:80:80', '127.0.0.1@evil.example', 'local host']) {
        const res = await withHost(server.base, host, { headers: { authorization: `Bearer ${access}` } })
        assert.equal(res.status, 400, host)
        assert.deepEqual(res.body, INVALID_HOST, host)
        assert.match(res.headers['content-type'] ?? '', /^application\/json/, host)
      }
    })

    it('When the Host is missing (HTTP/1.1 or HTTP/1.0), then 400 "Invalid Host header." in the same shape', async () => {
      const res = await withHost(server.base, null)
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_HOST)
      const old = await rawRequest(server.base, 'GET /api/users/me/ HTTP/1.0\r\n\r\n')
      assert.equal(old.status, 400)
      assert.deepEqual(old.body, INVALID_HOST)
    })

    it('When the Host is a loopback name or the host of DOMAIN, with any port, then the request is answered on that Host as sent (Django\'s get_host)', async () => {
      const cases: [string, string][] = [['localhost:8123', 'http://localhost:8123'], ['LOCALHOST.', 'http://LOCALHOST.'], ['127.0.0.1', 'http://127.0.0.1'],
        ['[::1]:8000', 'http://[::1]:8000'], ['web.unilink.example.org', 'http://web.unilink.example.org']]
      for (const [host, origin] of cases) {
        const res = await withHost(server.base, host, { headers: { authorization: `Bearer ${access}` } })
        assert.equal(res.status, 200, host)
        assert.equal((res.body as { profile_picture: string }).profile_picture, `${origin}/media/profile_pictures/avatar-male.png`, host)
      }
    })

    it('When an Origin is allowed, then the refusal carries the CORS headers; a preflight and a redirect are refused too', async () => {
      const res = await withHost(server.base, 'evil.example', { headers: { origin: WEB_CLIENT } })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_HOST)
      assert.equal(res.headers['access-control-allow-origin'], WEB_CLIENT)
      assert.equal(res.headers['access-control-allow-credentials'], 'true')
      const preflight = await withHost(server.base, 'evil.example', { method: 'OPTIONS', headers: { origin: WEB_CLIENT, 'access-control-request-method': 'POST' } })
      assert.equal(preflight.status, 400)
      assert.deepEqual(preflight.body, INVALID_HOST)
      assert.equal(preflight.headers['access-control-allow-origin'], WEB_CLIENT)
      const redirect = await withHost(server.base, 'evil.example', { path: '/api/users/me' })
      assert.equal(redirect.status, 400)
      assert.deepEqual(redirect.body, INVALID_HOST)
    })

    it('When a cookie request names a forged Host and the same Origin, then it is refused: the CSRF check never trusts that Host', async () => {
      const res = await withHost(server.base, 'evil.example', {
        method: 'PATCH', headers: { cookie: `access=${access}`, origin: 'http://evil.example' }, body: JSON.stringify({ first_name: 'Mallory' }),
      })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_HOST)
      const me = await client(server.base).get('/api/users/me/', { bearer: access })
      assert.notEqual((me.body as { first_name: string }).first_name, 'Mallory')
    })
  })

  describe('with ALLOWED_HOSTS set', () => {
    let server: TestServer
    before(async () => { server = await startServer({ ALLOWED_HOSTS: '.example.edu, 127.0.0.1,API.Other.org' }) })
    after(async () => { await server.close() })

    it('When ALLOWED_HOSTS names a domain with a leading dot, then it and its subdomains are allowed, and nothing else of the default', async () => {
      for (const host of ['example.edu', 'accounts.example.edu:8443', 'a.b.example.edu', 'api.other.org', '127.0.0.1']) {
        const res = await withHost(server.base, host, { path: '/api/university/list/' })
        assert.equal(res.status, 200, host)
      }
      for (const host of ['evilexample.edu', 'example.edu.evil.example', 'other.org', 'localhost']) {
        const res = await withHost(server.base, host, { path: '/api/university/list/' })
        assert.equal(res.status, 400, host)
        assert.deepEqual(res.body, INVALID_HOST, host)
      }
    })
  })
})
