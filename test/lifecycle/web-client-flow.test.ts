import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SignJWT, decodeJwt } from 'jose'
import { startServer, TEST_SECRET_KEY } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { call } from '../helpers/http.ts'
import type { Reply } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'

const ORIGIN = 'http://localhost:3000'

/** The original web client as a browser runs it: `credentials: 'include'`, its Origin, a cookie jar, CORS checked. */
function browser(base: string) {
  const jar: Record<string, string> = {}
  async function send(method: string, path: string, json?: unknown): Promise<Reply> {
    const res = await call(base, method, path, {
      ...(json !== undefined ? { json } : {}),
      headers: { origin: ORIGIN },
      cookies: jar,
    })
    // A browser hands the answer to the page only when CORS allows this origin with credentials.
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN, `${method} ${path}`)
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true')
    for (const [name, value] of Object.entries(res.cookies)) {
      if (value === '') delete jar[name]
      else jar[name] = value
    }
    return res
  }
  return { jar, send }
}

describe('The original UniLink web client, unchanged, against this service', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('When it logs in, reloads, gets a 401 on an expired access token, refreshes from the cookie and logs out, then every step works', async () => {
    const user = await registerAndActivate(server)
    const web = browser(server.base)

    const login = await web.send('POST', '/api/jwt/create/', { email: user.email, password: user.password })
    assert.equal(login.status, 200)
    assert.deepEqual(Object.keys(web.jar).sort(), ['access', 'refresh'])

    // Page load: verify with no body, then the navbar.
    assert.deepEqual((await web.send('POST', '/api/jwt/verify/')).body, {})
    assert.equal(((await web.send('GET', '/api/users/me/')).body as { email: string }).email, user.email)

    // Five minutes later the access token has expired (made here, same session, exp in the past).
    const claims = decodeJwt(web.jar.access ?? '')
    web.jar.access = await new SignJWT({ ...claims, exp: Math.floor(Date.now() / 1000) - 1 })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_SECRET_KEY))
    const expired = await web.send('GET', '/api/users/me/')
    assert.equal(expired.status, 401)

    // RTK Query's re-auth: refresh with no body (cookie only), JSON body back, then the retry succeeds.
    const refreshed = await web.send('POST', '/api/jwt/refresh/')
    assert.equal(refreshed.status, 200)
    assert.match(refreshed.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(Object.keys(refreshed.body as object).sort(), ['access', 'refresh'])
    assert.equal((await web.send('GET', '/api/users/me/')).status, 200)

    const out = await web.send('POST', '/api/logout/')
    assert.equal(out.status, 204)
    assert.deepEqual(web.jar, {})
    assert.equal((await web.send('GET', '/api/users/me/')).status, 401)
    assert.equal((await web.send('POST', '/api/jwt/refresh/')).status, 400)
  })

  it('When its registration form loads, then the university list answers with CORS', async () => {
    const web = browser(server.base)
    const res = await web.send('GET', '/api/university/list/')
    assert.equal(res.status, 200)
    assert.ok(Array.isArray(res.body))
  })
})
