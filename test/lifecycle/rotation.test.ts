import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { decodeJwt } from 'jose'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'

const BLACKLISTED = { detail: 'Token is blacklisted', code: 'token_not_valid' }

describe('POST /api/jwt/refresh/ — rotation with reuse detection', () => {
  const clock = createTestClock()
  let server: TestServer
  before(async () => { server = await startServer({}, { clock: clock.now }) })
  after(async () => { await server.close() })

  // With REFRESH_TOKEN_REUSE_INTERVAL (default 10 s) all of them win: see test/tokens/jwt-refresh-reuse-interval.test.ts.
  it('When two refreshes race with the same token and REFRESH_TOKEN_REUSE_INTERVAL=0, then exactly one wins', async () => {
    const off = await startServer({ REFRESH_TOKEN_REUSE_INTERVAL: '0' })
    try {
      const api = client(off.base)
      const user = await registerAndActivate(off)
      const { refresh } = await login(api, user.email, user.password)
      const results = await Promise.all([1, 2, 3].map(() => api.post('/api/jwt/refresh/', { refresh })))
      const statuses = results.map((r) => r.status).sort()
      assert.deepEqual(statuses, [200, 401, 401])
      for (const loser of results.filter((r) => r.status === 401)) assert.deepEqual(loser.body, BLACKLISTED)
    } finally {
      await off.close()
    }
  })

  it('When a retired token is replayed, then the whole session is revoked, newest token and its access token included', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const first = await login(api, user.email, user.password)
    const second = await api.post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.equal(second.status, 200)
    const { access: newestAccess, refresh: newest } = second.body as { access: string; refresh: string }
    assert.notEqual(newest, first.refresh)

    // Past REFRESH_TOKEN_REUSE_INTERVAL (10 s), when a retired token is no longer taken for a retry.
    clock.advance(10_001)
    const replay = await api.post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.equal(replay.status, 401)
    assert.deepEqual(replay.body, BLACKLISTED)

    const afterReplay = await api.post('/api/jwt/refresh/', { refresh: newest })
    assert.equal(afterReplay.status, 401)
    assert.deepEqual(afterReplay.body, BLACKLISTED)
    assert.equal((await api.get('/api/users/me/', { bearer: newestAccess })).status, 401)
    assert.equal((await api.post('/api/jwt/verify/', { token: newestAccess })).status, 401)
  })

  it('When tokens are stored, then only SHA-256 hashes of their ids are kept', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { refresh } = await login(api, user.email, user.password)
    const { jti } = decodeJwt(refresh) as { jti: string }
    const rows = await server.db.selectFrom('refreshTokens').select('jtiHash').execute()
    assert.ok(rows.some((r) => r.jtiHash === createHash('sha256').update(jti).digest('hex')))
    assert.ok(rows.every((r) => r.jtiHash !== jti && !refresh.includes(r.jtiHash)))
  })
})
