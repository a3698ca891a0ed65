import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { decodeJwt } from 'jose'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { assertAuthCookie } from '../helpers/auth-cookies.ts'
import { createTestClock } from '../helpers/clock.ts'

const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }
const INTERVAL_MS = 10_000

describe('POST /api/jwt/refresh/ — REFRESH_TOKEN_REUSE_INTERVAL (API.md §11, default 10 s)', () => {
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

  /** 200, a new pair of the session `sid`, both cookies set to it. */
  function assertPairOf(res: Reply, sid: string) {
    assert.equal(res.status, 200)
    const body = res.body as { access: string; refresh: string }
    assert.deepEqual(Object.keys(body).sort(), ['access', 'refresh'])
    assert.equal(decodeJwt(body.access).sid, sid)
    assert.equal(decodeJwt(body.refresh).sid, sid)
    assert.equal(res.setCookies.length, 2)
    assertAuthCookie(res, 'access', body.access)
    assertAuthCookie(res, 'refresh', body.refresh)
    return body
  }

  async function assertRevoked(pair: { access: string; refresh: string }) {
    const res = await api.post('/api/jwt/refresh/', { refresh: pair.refresh })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, BLACKLISTED)
    assert.equal((await api.get('/api/users/me/', { bearer: pair.access })).status, 401)
  }

  // @see issue 12, item 3: one 200 and nineteen 401s, and the winner's new token was revoked too.
  it('When 20 refreshes with one token race (two tabs, lost answers), then all get 200 and the session stays usable', async () => {
    const { refresh } = await session()
    const sid = String(decodeJwt(refresh).sid)
    const results = await Promise.all(Array.from({ length: 20 }, () => api.post('/api/jwt/refresh/', { refresh })))
    const pairs = results.map((res) => assertPairOf(res, sid))
    // Every answer carries the winner's refresh token: the tabs agree on the session's newest token.
    assert.deepEqual(new Set(pairs.map((p) => p.refresh)).size, 1)
    assert.notEqual(pairs[0]?.refresh, refresh)
    for (const pair of pairs) assert.equal((await api.get('/api/users/me/', { bearer: pair.access })).status, 200)
    const next = assertPairOf(await api.post('/api/jwt/refresh/', { refresh: pairs[0]?.refresh }), sid)
    assert.equal((await api.get('/api/users/me/', { bearer: next.access })).status, 200)
  })

  it('When the token retired last comes back exactly at the interval, then 200; a millisecond later, reuse revokes the session', async () => {
    const first = await session()
    const sid = String(decodeJwt(first.refresh).sid)
    const second = assertPairOf(await api.post('/api/jwt/refresh/', { refresh: first.refresh }), sid)
    clock.advance(INTERVAL_MS)
    assert.equal(assertPairOf(await api.post('/api/jwt/refresh/', { refresh: first.refresh }), sid).refresh, second.refresh)

    const other = await session()
    const otherSid = String(decodeJwt(other.refresh).sid)
    const newest = assertPairOf(await api.post('/api/jwt/refresh/', { refresh: other.refresh }), otherSid)
    clock.advance(INTERVAL_MS + 1)
    const reuse = await api.post('/api/jwt/refresh/', { refresh: other.refresh })
    assert.equal(reuse.status, 401)
    assert.deepEqual(reuse.body, BLACKLISTED)
    await assertRevoked(newest)
  })

  it('When an older retired token comes back within the interval, then it is reuse and the session is revoked', async () => {
    const first = await session()
    const sid = String(decodeJwt(first.refresh).sid)
    const second = assertPairOf(await api.post('/api/jwt/refresh/', { refresh: first.refresh }), sid)
    const third = assertPairOf(await api.post('/api/jwt/refresh/', { refresh: second.refresh }), sid)
    const reuse = await api.post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.equal(reuse.status, 401)
    assert.deepEqual(reuse.body, BLACKLISTED)
    await assertRevoked(third)
  })

  it('When REFRESH_TOKEN_REUSE_INTERVAL=0, then of racing refreshes one wins and the reuse revokes the session as before', async () => {
    const off = await startServer({ REFRESH_TOKEN_REUSE_INTERVAL: '0' }, { clock: clock.now })
    try {
      const offApi = client(off.base)
      const user = await registerAndActivate(off)
      const { refresh } = await login(offApi, user.email, user.password)
      const results = await Promise.all(Array.from({ length: 20 }, () => offApi.post('/api/jwt/refresh/', { refresh })))
      const winners = results.filter((r) => r.status === 200)
      assert.equal(winners.length, 1)
      for (const loser of results.filter((r) => r.status !== 200)) {
        assert.equal(loser.status, 401)
        assert.deepEqual(loser.body, BLACKLISTED)
      }
      const newest = (winners[0]?.body as { refresh: string }).refresh
      assert.deepEqual((await offApi.post('/api/jwt/refresh/', { refresh: newest })).body, BLACKLISTED)
    } finally {
      await off.close()
    }
  })
})
