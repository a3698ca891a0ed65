import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'
import { within } from '../helpers/instances.ts'

// Two instances of the service on one database (PostgreSQL in CI), sharing rate-limit counters in Redis when
// REDIS_URL_FOR_TESTS names one (CI sets it) and in the database otherwise: they must behave as one service.
const redisUrl = process.env.REDIS_URL_FOR_TESTS
const counters = redisUrl ? 'Redis' : 'the database'

describe(`Two instances behind a load balancer (counters in ${counters})`, () => {
  // One clock for both, as NTP gives real instances.
  const clock = createTestClock()
  let one: TestServer
  let two: TestServer
  before(async () => {
    const shared = {
      RATE_LIMIT: 'on', TRUSTED_PROXIES: '127.0.0.1',
      RATE_LIMIT_LOGIN_IP: '5/3600',
      // A namespace of its own in the shared Redis: each run's counts start from zero.
      ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:` } : {}),
    }
    one = await startServer(shared, { keepDatabase: true, clock: clock.now })
    two = await startServer(shared, { database: one.database, keepDatabase: true, clock: clock.now })
  })
  after(async () => {
    await two.close()
    await one.close()
    await one.database.drop()
  })

  it('When a session is logged out through one instance, then the other refuses its tokens', async () => {
    const user = await registerAndActivate(one)
    const tokens = await login(client(one.base), user.email, user.password)
    assert.equal((await client(two.base).get('/api/users/me/', { bearer: tokens.access })).status, 200)
    assert.equal((await client(one.base).post('/api/logout/', { refresh: tokens.refresh }, { bearer: tokens.access })).status, 204)
    // API.md §16: within 1 s on PostgreSQL, where each instance caches (the notice has to arrive); at once on SQLite.
    await within(1000, 'the other instance refuses', async () => (await client(two.base).get('/api/users/me/', { bearer: tokens.access })).status === 401)
    assert.equal((await client(two.base).post('/api/jwt/refresh/', { refresh: tokens.refresh })).status, 401)
  })

  // The other instance has just answered for the token (it keeps the session it read until the database changes):
  // the change made through the first must count within API.md §16's second (on SQLite, on its very next request).
  it('When a password is changed through one instance, then the other refuses the old tokens on the next request, in me/ and verify', async () => {
    const user = await registerAndActivate(one)
    const tokens = await login(client(one.base), user.email, user.password)
    for (let i = 0; i < 3; i++) {
      assert.equal((await client(two.base).get('/api/users/me/', { bearer: tokens.access })).status, 200)
      assert.equal((await client(two.base).post('/api/jwt/verify/', { token: tokens.access })).status, 200)
    }
    const changed = await client(one.base).post(
      '/api/users/set_password/',
      { current_password: user.password, new_password: 'Another-Harbour-77', re_new_password: 'Another-Harbour-77' },
      { bearer: tokens.access },
    )
    assert.equal(changed.status, 204)
    await within(1000, 'the other instance refuses', async () => (await client(two.base).get('/api/users/me/', { bearer: tokens.access })).status === 401)
    assert.deepEqual(
      (await client(two.base).post('/api/jwt/verify/', { token: tokens.access })).body,
      { detail: 'Token is invalid or expired', code: 'token_not_valid' },
    )
  })

  it('When a refresh token rotated on one instance is replayed on the other, then reuse is detected', async () => {
    const user = await registerAndActivate(one)
    const { refresh } = await login(client(one.base), user.email, user.password)
    const rotated = await client(one.base).post('/api/jwt/refresh/', { refresh })
    assert.equal(rotated.status, 200)
    clock.advance(10_001) // past REFRESH_TOKEN_REUSE_INTERVAL: a reuse, not a retry
    const replay = await client(two.base).post('/api/jwt/refresh/', { refresh })
    assert.deepEqual(replay.body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    const newest = (rotated.body as { refresh: string }).refresh
    assert.equal((await client(one.base).post('/api/jwt/refresh/', { refresh: newest })).status, 401)
  })

  it('When one client alternates between instances, then its rate-limit counts add up', async () => {
    const ip = '10.7.7.7'
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const instance = i % 2 === 0 ? one : two
      const res = await client(instance.base).post('/api/jwt/create/', { email: `n${i}@example.com`, password: 'x' }, { headers: { 'x-forwarded-for': ip } })
      statuses.push(res.status)
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429])
  })
})
