import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { TEST_SECRET_KEY, startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'
import { assertAuthCookie } from '../helpers/auth-cookies.ts'

const NO_ACCOUNT = { detail: 'No active account found with the given credentials' }

describe('POST /api/jwt/create/', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When the credentials are right, then 200 with access and refresh, and both cookies', async () => {
    const user = await registerAndActivate(server)
    const res = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    assert.equal(res.status, 200)
    const body = res.body as { access: string; refresh: string }
    assert.deepEqual(Object.keys(body).sort(), ['access', 'refresh'])
    assert.equal(res.setCookies.length, 2)
    assertAuthCookie(res, 'access', body.access)
    assertAuthCookie(res, 'refresh', body.refresh)
    assert.equal((await api.get('/api/users/me/', { bearer: body.access })).status, 200)
  })

  it('When the tokens are decoded, then they are SimpleJWT tokens signed HS256 with SECRET_KEY', async () => {
    const user = await registerAndActivate(server)
    const res = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    const body = res.body as { access: string; refresh: string }
    const me = await api.get('/api/users/me/', { bearer: body.access })
    const { id } = me.body as { id: number }
    const key = new TextEncoder().encode(TEST_SECRET_KEY)

    for (const [type, lifetime] of [['access', 300], ['refresh', 86400]] as const) {
      const token = body[type]
      assert.deepEqual(decodeProtectedHeader(token), { alg: 'HS256', typ: 'JWT' })
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] })
      assert.equal(payload.token_type, type)
      assert.equal(payload.user_id, id)
      assert.ok(Number.isInteger(payload.user_id))
      assert.match(String(payload.jti), /^[0-9a-f]{32}$/)
      assert.ok(Number.isInteger(payload.iat) && Number.isInteger(payload.exp))
      assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), lifetime)
      assert.ok(Math.abs((payload.iat ?? 0) - Date.now() / 1000) < 60)
    }
    const { payload: access } = await jwtVerify(body.access, key)
    const { payload: refresh } = await jwtVerify(body.refresh, key)
    assert.notEqual(access.jti, refresh.jti)
  })

  it('When the email is unknown, the password wrong or the account inactive, then 401 with the Bearer challenge', async () => {
    const active = await registerAndActivate(server)
    const inactive = newUser()
    assert.equal((await api.post('/api/users/', inactive)).status, 201)
    const attempts = [
      { email: 'nobody.here@example.com', password: active.password },
      { email: active.email, password: `${active.password}x` },
      { email: inactive.email, password: inactive.password },
    ]
    for (const credentials of attempts) {
      const res = await api.post('/api/jwt/create/', credentials)
      assert.equal(res.status, 401, credentials.email)
      assert.deepEqual(res.body, NO_ACCOUNT)
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
      assert.deepEqual(res.setCookies, [])
    }
  })

  it('When the email differs only in case, then the login works', async () => {
    const user = await registerAndActivate(server)
    const res = await api.post('/api/jwt/create/', { email: user.email.toUpperCase(), password: user.password })
    assert.equal(res.status, 200)
  })

  it('When fields are missing or blank, then 400 with the field errors', async () => {
    const missing = await api.post('/api/jwt/create/', {})
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { email: ['This field is required.'], password: ['This field is required.'] })
    const blank = await api.post('/api/jwt/create/', { email: ' ', password: '' })
    assert.equal(blank.status, 400)
    assert.deepEqual(blank.body, { email: ['This field may not be blank.'], password: ['This field may not be blank.'] })
  })

  it('When the body is a form, then the login works as with JSON', async () => {
    const user = await registerAndActivate(server)
    const res = await api.call('POST', '/api/jwt/create/', { body: new URLSearchParams({ email: user.email, password: user.password }) })
    assert.equal(res.status, 200)
    assert.deepEqual(Object.keys(res.body as object).sort(), ['access', 'refresh'])
  })
})
