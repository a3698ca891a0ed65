import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { SignJWT } from 'jose'
import { TEST_SECRET_KEY, startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { assertAuthCookie } from '../helpers/auth-cookies.ts'
import { createTestClock } from '../helpers/clock.ts'

const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' }
const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }
/** Just past REFRESH_TOKEN_REUSE_INTERVAL (10 s): a retired token presented again is a reuse, not a retry. */
const PAST_REUSE_INTERVAL_MS = 10_001

/** A refresh token as SimpleJWT 5.2 mints it (no session claim), signed with `key`. */
async function simpleJwtRefresh(userId: number, opts: { key?: string; expiresIn?: number } = {}) {
  const iat = Math.floor(Date.now() / 1000)
  return new SignJWT({ token_type: 'refresh', exp: iat + (opts.expiresIn ?? 86400), iat, jti: randomBytes(16).toString('hex'), user_id: userId })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(opts.key ?? TEST_SECRET_KEY))
}

describe('POST /api/jwt/refresh/', () => {
  const clock = createTestClock()
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer({}, { clock: clock.now })
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function session() {
    const user = await registerAndActivate(server)
    return login(api, user.email, user.password)
  }

  function assertRotated(res: Awaited<ReturnType<Client['post']>>, old: string) {
    assert.equal(res.status, 200)
    const body = res.body as { access: string; refresh: string }
    assert.deepEqual(Object.keys(body).sort(), ['access', 'refresh'])
    assert.notEqual(body.refresh, old)
    assert.equal(res.setCookies.length, 2)
    assertAuthCookie(res, 'access', body.access)
    assertAuthCookie(res, 'refresh', body.refresh)
    return body
  }

  it('When the refresh cookie is sent with no body (the web client), then 200 with a new pair and both cookies', async () => {
    const { refresh } = await session()
    const res = await api.post('/api/jwt/refresh/', undefined, { cookies: { refresh } })
    const body = assertRotated(res, refresh)
    assert.equal((await api.get('/api/users/me/', { cookies: { access: body.access } })).status, 200)
  })

  it('When the token is in the body, then 200 with a new pair and both cookies', async () => {
    const { refresh } = await session()
    const body = assertRotated(await api.post('/api/jwt/refresh/', { refresh }), refresh)
    assert.equal((await api.get('/api/users/me/', { bearer: body.access })).status, 200)
    assertRotated(await api.post('/api/jwt/refresh/', { refresh: body.refresh }), body.refresh)
  })

  it('When both a cookie and a body token are sent, then the cookie decides', async () => {
    const { refresh } = await session()
    const res = await api.post('/api/jwt/refresh/', { refresh }, { cookies: { refresh: 'garbage' } })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, INVALID)
  })

  it('When no token is sent, then 400 refresh is required', async () => {
    for (const body of [undefined, {}, { refresh: '' }]) {
      const res = await api.post('/api/jwt/refresh/', body)
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, body === undefined || !('refresh' in body) ? { refresh: ['This field is required.'] } : { refresh: ['This field may not be blank.'] })
    }
  })

  it('When the token is garbage, expired or signed with another key, then 401 invalid or expired', async () => {
    const { access } = await session()
    const { id } = (await api.get('/api/users/me/', { bearer: access })).body as { id: number }
    const tokens = [
      'garbage',
      await simpleJwtRefresh(id, { expiresIn: -10 }),
      await simpleJwtRefresh(id, { key: 'another-secret-key-0123456789-abcdefghijklmnop' }),
    ]
    for (const refresh of tokens) {
      const res = await api.post('/api/jwt/refresh/', { refresh })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, INVALID)
      assert.deepEqual(res.setCookies, [])
    }
  })

  it('When an access token is sent, then 401 wrong type', async () => {
    const { access } = await session()
    const res = await api.post('/api/jwt/refresh/', { refresh: access })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Token has wrong type', code: 'token_not_valid' })
  })

  it('When a rotated token is presented again, then 401 blacklisted and the whole session is revoked', async () => {
    const { refresh } = await session()
    const first = assertRotated(await api.post('/api/jwt/refresh/', { refresh }), refresh)

    clock.advance(PAST_REUSE_INTERVAL_MS)
    const reuse = await api.post('/api/jwt/refresh/', { refresh })
    assert.equal(reuse.status, 401)
    assert.deepEqual(reuse.body, BLACKLISTED)

    const newest = await api.post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.equal(newest.status, 401)
    assert.deepEqual(newest.body, BLACKLISTED)
    assert.equal((await api.get('/api/users/me/', { bearer: first.access })).status, 401)
  })

  it('When one session is revoked for reuse, then the other sessions of the user keep working', async () => {
    const user = await registerAndActivate(server)
    const one = await login(api, user.email, user.password)
    const two = await login(api, user.email, user.password)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: one.refresh })).status, 200)
    clock.advance(PAST_REUSE_INTERVAL_MS)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: one.refresh })).status, 401)
    assert.equal((await api.get('/api/users/me/', { bearer: two.access })).status, 200)
    assertRotated(await api.post('/api/jwt/refresh/', { refresh: two.refresh }), two.refresh)
  })

  it('When the account was deleted, then its refresh token is blacklisted (API.md §11)', async () => {
    const user = await registerAndActivate(server)
    const { access, refresh } = await login(api, user.email, user.password)
    assert.equal((await api.delete('/api/users/me/', { current_password: user.password }, { bearer: access })).status, 204)
    const res = await api.post('/api/jwt/refresh/', { refresh })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, BLACKLISTED)
  })

  it('When a token minted by the original SimpleJWT deployment is sent, then it is accepted once', async () => {
    const { access } = await session()
    const { id } = (await api.get('/api/users/me/', { bearer: access })).body as { id: number }
    const legacy = await simpleJwtRefresh(id)
    const body = assertRotated(await api.post('/api/jwt/refresh/', { refresh: legacy }), legacy)
    assert.equal((await api.get('/api/users/me/', { bearer: body.access })).status, 200)
    const again = await api.post('/api/jwt/refresh/', { refresh: legacy })
    assert.equal(again.status, 401)
    assert.deepEqual(again.body, BLACKLISTED)
  })

  it('When the same legacy token is sent twice at once, then only one request gets a new pair', async () => {
    const { access } = await session()
    const { id } = (await api.get('/api/users/me/', { bearer: access })).body as { id: number }
    const legacy = await simpleJwtRefresh(id)
    const answers = await Promise.all([1, 2, 3].map(() => api.post('/api/jwt/refresh/', { refresh: legacy })))
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401])
  })
})

describe('POST /api/jwt/refresh/ with ROTATE_REFRESH_TOKENS=false', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer({ ROTATE_REFRESH_TOKENS: 'false' })
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When a refresh token is sent, then 200 {"access"} only and only the access cookie, and it can be used again', async () => {
    const user = await registerAndActivate(server)
    const { refresh } = await login(api, user.email, user.password)
    for (let i = 0; i < 2; i += 1) {
      const res = await api.post('/api/jwt/refresh/', undefined, { cookies: { refresh } })
      assert.equal(res.status, 200)
      const body = res.body as { access: string }
      assert.deepEqual(Object.keys(body), ['access'])
      assert.equal(res.setCookies.length, 1)
      assertAuthCookie(res, 'access', body.access)
      assert.equal((await api.get('/api/users/me/', { bearer: body.access })).status, 200)
    }
  })
})
