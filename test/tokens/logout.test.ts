import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { assertAuthCookie, assertDeletedCookie } from '../helpers/auth-cookies.ts'

const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }

describe('POST /api/logout/', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function session() {
    const user = await registerAndActivate(server)
    return { user, ...(await login(api, user.email, user.password)) }
  }

  async function assertLoggedOut(access: string, refresh: string) {
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 401)
    assert.deepEqual(me.body, { detail: 'Authentication credentials were not provided.' })
    const refreshed = await api.post('/api/jwt/refresh/', { refresh })
    assert.equal(refreshed.status, 401)
    assert.deepEqual(refreshed.body, BLACKLISTED)
  }

  it('When called with a bearer token and the refresh token in the body, then 204, cookies deleted, both tokens dead', async () => {
    const { access, refresh } = await session()
    const res = await api.post('/api/logout/', { refresh }, { bearer: access })
    assert.equal(res.status, 204)
    assert.equal(res.text, '')
    assertDeletedCookie(res, 'access')
    assertDeletedCookie(res, 'refresh')
    await assertLoggedOut(access, refresh)
  })

  it('When called with the cookies only, then 204 and both tokens dead', async () => {
    const { access, refresh } = await session()
    const res = await api.post('/api/logout/', undefined, { cookies: { access, refresh } })
    assert.equal(res.status, 204)
    assertDeletedCookie(res, 'access')
    assertDeletedCookie(res, 'refresh')
    await assertLoggedOut(access, refresh)
  })

  it('When the refresh token is of another session of the same user, then that session ends too', async () => {
    const { user, access } = await session()
    const other = await login(api, user.email, user.password)
    assert.equal((await api.post('/api/logout/', { refresh: other.refresh }, { bearer: access })).status, 204)
    await assertLoggedOut(other.access, other.refresh)
  })

  it('When another session of the user is not named, then it keeps working', async () => {
    const { user, access, refresh } = await session()
    const other = await login(api, user.email, user.password)
    assert.equal((await api.post('/api/logout/', { refresh }, { bearer: access })).status, 204)
    assert.equal((await api.get('/api/users/me/', { bearer: other.access })).status, 200)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: other.refresh })).status, 200)
  })

  it("When the refresh token belongs to another user, then that user's session is left alone", async () => {
    const { access } = await session()
    const victim = await session()
    assert.equal((await api.post('/api/logout/', { refresh: victim.refresh }, { bearer: access })).status, 204)
    assert.equal((await api.get('/api/users/me/', { bearer: victim.access })).status, 200)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: victim.refresh })).status, 200)
  })

  it('When the request is anonymous, then 401 with the Bearer challenge', async () => {
    for (const opts of [{}, { bearer: 'garbage' }, { cookies: { refresh: 'whatever' } }]) {
      const res = await api.post('/api/logout/', undefined, opts)
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
    }
  })

  it("When the web client logs in, verifies, reads me, refreshes and logs out with cookies only, then each step works", async () => {
    const user = await registerAndActivate(server)
    const created = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    assert.equal(created.status, 200)
    let jar = { access: created.cookies.access ?? '', refresh: created.cookies.refresh ?? '' }

    const verified = await api.post('/api/jwt/verify/', undefined, { cookies: jar })
    assert.equal(verified.status, 200)
    assert.deepEqual(verified.body, {})

    const me = await api.get('/api/users/me/', { cookies: jar })
    assert.equal(me.status, 200)
    assert.equal((me.body as { email: string }).email, user.email)

    const refreshed = await api.post('/api/jwt/refresh/', undefined, { cookies: jar })
    assert.equal(refreshed.status, 200)
    const body = refreshed.body as { access: string; refresh: string }
    assertAuthCookie(refreshed, 'access', body.access)
    assertAuthCookie(refreshed, 'refresh', body.refresh)
    const old = jar
    jar = { access: body.access, refresh: body.refresh }
    assert.equal((await api.get('/api/users/me/', { cookies: jar })).status, 200)

    const out = await api.post('/api/logout/', undefined, { cookies: jar })
    assert.equal(out.status, 204)
    assertDeletedCookie(out, 'access')
    assertDeletedCookie(out, 'refresh')
    for (const cookies of [jar, old]) {
      assert.equal((await api.get('/api/users/me/', { cookies })).status, 401)
      assert.equal((await api.post('/api/jwt/verify/', undefined, { cookies })).status, 401)
    }
    assert.equal((await api.post('/api/jwt/refresh/', undefined, { cookies: jar })).status, 401)
  })
})
