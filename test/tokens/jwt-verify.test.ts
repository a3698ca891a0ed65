import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

const INVALID = { detail: 'Token is invalid or expired', code: 'token_not_valid' }

describe('POST /api/jwt/verify/', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function session() {
    const user = await registerAndActivate(server)
    return login(api, user.email, user.password)
  }

  it('When the access cookie is sent with no body (the web client), then 200 {}', async () => {
    const { access, refresh } = await session()
    const res = await api.post('/api/jwt/verify/', undefined, { cookies: { access, refresh } })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {})
    assert.deepEqual(res.setCookies, [])
  })

  it('When an access or a refresh token is in the body, then 200 {}', async () => {
    const { access, refresh } = await session()
    for (const token of [access, refresh]) {
      const res = await api.post('/api/jwt/verify/', { token })
      assert.equal(res.status, 200)
      assert.deepEqual(res.body, {})
    }
  })

  it('When no token is sent, then 400 token is required', async () => {
    for (const body of [undefined, {}]) {
      const res = await api.post('/api/jwt/verify/', body)
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { token: ['This field is required.'] })
    }
  })

  it('When the token is invalid, then 401 token_not_valid', async () => {
    const { access } = await session()
    const tampered = `${access.slice(0, -2)}${access.endsWith('AA') ? 'BB' : 'AA'}`
    for (const token of ['garbage', tampered]) {
      const res = await api.post('/api/jwt/verify/', { token })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, INVALID)
    }
  })

  it('When both an access cookie and a body token are sent, then the cookie decides', async () => {
    const { access } = await session()
    const res = await api.post('/api/jwt/verify/', { token: access }, { cookies: { access: 'garbage' } })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, INVALID)
  })

  it('When the tokens were revoked by logout, then 401 invalid or expired for both', async () => {
    const { access, refresh } = await session()
    assert.equal((await api.post('/api/logout/', { refresh }, { bearer: access })).status, 204)
    for (const token of [access, refresh]) {
      const res = await api.post('/api/jwt/verify/', { token })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, INVALID)
    }
  })

  it('When a refresh token was retired by rotation, then 401 while its successor verifies', async () => {
    const { refresh } = await session()
    const rotated = await api.post('/api/jwt/refresh/', { refresh })
    const next = (rotated.body as { refresh: string }).refresh
    assert.deepEqual((await api.post('/api/jwt/verify/', { token: refresh })).body, INVALID)
    assert.equal((await api.post('/api/jwt/verify/', { token: next })).status, 200)
  })
})
