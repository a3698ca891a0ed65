import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import type { TestServer } from '../helpers/server.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestClock } from '../helpers/clock.ts'
import { startServer } from '../helpers/server.ts'
import { POSTGRES_SERVER_URL, REDIS_TEST_URL, sqlOn, startInstances, within } from '../helpers/instances.ts'
import type { Instance } from '../helpers/instances.ts'
import { LISTENER_APPLICATION_NAME } from '../../src/tokens/revocation-feed.ts'

// REVOCATION_CHANNEL=redis (config.ts says when a deployment wants it): the same guarantee of API.md §16, with the
// notices published on Redis after each commit instead of PostgreSQL's NOTIFY. Redis as the local test server, or
// REDIS_URL_FOR_TESTS, like the PostgreSQL of these tests: never skipped.
const prefix = `test-${randomBytes(6).toString('hex')}:`

describe('Two instances with Redis pub/sub as the revocation channel (API.md §16)', () => {
  let cluster: Awaited<ReturnType<typeof startInstances>>
  let redis: Redis
  before(async () => {
    cluster = await startInstances(2, {
      REVOCATION_CHANNEL: 'redis', REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: prefix, REVOCATION_HEARTBEAT_MS: '100', REVOCATION_MAX_LAG_MS: '500',
    })
    redis = new Redis(REDIS_TEST_URL)
  })
  after(async () => {
    redis.disconnect()
    await cluster.close()
  })

  async function signedIn(via: Instance) {
    const user = await registerAndActivate({ base: via.base, mail: cluster.mail } as unknown as TestServer)
    return login(client(via.base), user.email, user.password)
  }
  const status = async (instance: Instance, access: string) => (await client(instance.base).get('/api/users/me/', { bearer: access })).status

  async function logoutIsRefusedWithinOneSecond(from: Instance, to: Instance): Promise<void> {
    const tokens = await signedIn(from)
    assert.equal(await status(to, tokens.access), 200)
    assert.equal(await status(to, tokens.access), 200)
    assert.equal((await client(from.base).post('/api/logout/', {}, { bearer: tokens.access })).status, 204)
    await within(1000, 'the other instance refuses the token', async () => await status(to, tokens.access) === 401)
    const verified = await client(to.base).post('/api/jwt/verify/', { token: tokens.access })
    assert.deepEqual([verified.status, verified.body], [401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }])
  }

  it('When a session is logged out through one instance, then the other refuses it within 1 s, having answered from its cache until then', async () => {
    const [one, two] = cluster.instances as [Instance, Instance]
    const hits = await two.metric('session_cache_hits_total')
    const invalidations = await two.metric('session_cache_invalidations_total')
    await logoutIsRefusedWithinOneSecond(one, two)
    assert.ok(await two.metric('session_cache_hits_total') > hits)
    assert.ok(await two.metric('session_cache_invalidations_total') > invalidations)
    assert.ok(await two.metric('session_cache_heartbeat_age_seconds') < 0.5)
  })

  it('When the subscribed Redis connections are killed, then revocations still count within 1 s and the listeners come back', async () => {
    const [one, two] = cluster.instances as [Instance, Instance]
    const before = await Promise.all(cluster.instances.map((i) => i.metric('session_cache_listener_reconnects_total')))
    const name = `${LISTENER_APPLICATION_NAME}:${prefix}`
    const listed = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
    const ids = listed.split('\n').filter((line) => line.includes(` name=${name} `)).map((line) => /^id=(\d+)/.exec(line)?.[1] ?? '')
    assert.equal(ids.length, 2)
    for (const id of ids) assert.equal(await redis.call('CLIENT', 'KILL', 'ID', id), 1)
    await logoutIsRefusedWithinOneSecond(two, one)
    await within(10_000, 'both listeners reconnected', async () => {
      const now = await Promise.all(cluster.instances.map((i) => i.metric('session_cache_listener_reconnects_total')))
      return now.every((count, i) => count > (before[i] ?? 0))
    })
    await logoutIsRefusedWithinOneSecond(one, two)
  })
})

describe('The 30-second expiry of cached sessions, whatever the channel missed', () => {
  const clock = createTestClock()
  let server: TestServer
  const name = `accounts_ttl_${randomBytes(6).toString('hex')}`
  const url = new URL(POSTGRES_SERVER_URL)
  url.pathname = `/${name}`
  before(async () => {
    await sqlOn(POSTGRES_SERVER_URL, `CREATE DATABASE ${name}`)
    const dataDir = mkdtempSync(join(tmpdir(), 'unilink-ttl-'))
    const database = {
      url: url.toString(), dataDir,
      async drop() {
        await sqlOn(POSTGRES_SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
    const env = { REVOCATION_CHANNEL: 'redis', REDIS_URL: REDIS_TEST_URL, REDIS_KEY_PREFIX: `${prefix}ttl:` }
    server = await startServer(env, { database, clock: clock.now })
  })
  after(async () => { await server.close() })

  it('When a user is deactivated in psql on the Redis channel (nothing published), then the cached answer lasts 30 s, no longer', async () => {
    const user = await registerAndActivate(server)
    const { access } = await login(client(server.base), user.email, user.password)
    const me = () => client(server.base).get('/api/users/me/', { bearer: access })
    assert.equal((await me()).status, 200)
    // psql, not the service: only PostgreSQL's own channel would hear of it (config.ts: why it is the primary one).
    await sqlOn(url.toString(), 'UPDATE users SET is_active = 0 WHERE email = $1', [user.email])
    assert.equal((await me()).status, 200)
    clock.advance(29_000)
    assert.equal((await me()).status, 200)
    clock.advance(1_001)
    assert.equal((await me()).status, 401)
  })
})
