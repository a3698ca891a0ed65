import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import type { TestServer } from '../helpers/server.ts'
import { POSTGRES_SERVER_URL, startInstances, within } from '../helpers/instances.ts'
import type { Instance } from '../helpers/instances.ts'
import { startTcpProxy } from '../helpers/tcp-proxy.ts'
import { LISTENER_APPLICATION_NAME } from '../../src/tokens/revocation-feed.ts'

// API.md §16: a revocation made through any instance is honoured by every instance within 1 s, while each answers
// from a cache of its own (src/tokens/session-lookup.ts). Real server processes on one PostgreSQL database; the
// heartbeat is quickened so the silent-death path takes a fraction of a second (the contract's second holds either way).
const TIMING = { REVOCATION_HEARTBEAT_MS: '100', REVOCATION_MAX_LAG_MS: '500' }
const ONE_SECOND = 1000

type Cluster = Awaited<ReturnType<typeof startInstances>>

async function signedIn(cluster: Cluster, via: Instance) {
  const user = await registerAndActivate({ base: via.base, mail: cluster.mail } as unknown as TestServer)
  return { user, tokens: await login(client(via.base), user.email, user.password) }
}

const status = async (instance: Instance, access: string) => (await client(instance.base).get('/api/users/me/', { bearer: access })).status

/** Every instance answers me/ for the token (and so has it cached); then, after `revoke`, all refuse it within 1 s. */
async function refusedEverywhereWithinOneSecond(instances: Instance[], access: string, revoke: () => Promise<void>): Promise<number> {
  for (const instance of instances) assert.equal(await status(instance, access), 200)
  await revoke()
  return within(ONE_SECOND, 'every instance refuses the revoked token', async () => {
    const answers = await Promise.all(instances.map((instance) => status(instance, access)))
    return answers.every((s) => s === 401)
  })
}

describe('Three instances on one PostgreSQL: a cache each, revocations by LISTEN/NOTIFY (API.md §16)', () => {
  let cluster: Cluster
  let instances: Instance[]
  before(async () => {
    cluster = await startInstances(3, TIMING)
    instances = cluster.instances
  })
  after(async () => { await cluster.close() })

  it('When nothing changes, then me/ and verify are answered from the cache, with no database read', async () => {
    const [one, two] = instances as [Instance, Instance]
    const { tokens, user } = await signedIn(cluster, one)
    const me = await client(two.base).get('/api/users/me/', { bearer: tokens.access })
    assert.equal(me.status, 200)
    const [hits, misses] = [await two.metric('session_cache_hits_total'), await two.metric('session_cache_misses_total')]
    for (let i = 0; i < 20; i++) {
      const again = await client(two.base).get('/api/users/me/', { bearer: tokens.access })
      assert.deepEqual([again.status, again.body], [200, me.body])
      assert.equal((await client(two.base).post('/api/jwt/verify/', { token: tokens.access })).status, 200)
    }
    assert.equal((me.body as { email: string }).email, user.email)
    // A heartbeat late by half a second on this shared machine would bypass the cache for a moment: most, not all.
    assert.ok(await two.metric('session_cache_hits_total') - hits >= 30)
    assert.ok(await two.metric('session_cache_misses_total') - misses <= 10)
    assert.ok(await two.metric('session_cache_heartbeat_age_seconds') < 0.5)
  })

  it('When a session is logged out through one instance, then the others refuse its access and refresh tokens within 1 s', async () => {
    const [one, two, three] = instances as [Instance, Instance, Instance]
    const { tokens } = await signedIn(cluster, one)
    const invalidations = await two.metric('session_cache_invalidations_total')
    await refusedEverywhereWithinOneSecond([two, three], tokens.access, async () => {
      assert.equal((await client(one.base).post('/api/logout/', { refresh: tokens.refresh }, { bearer: tokens.access })).status, 204)
    })
    assert.equal((await client(one.base).get('/api/users/me/', { bearer: tokens.access })).status, 401)
    const verified = await client(three.base).post('/api/jwt/verify/', { token: tokens.access })
    assert.deepEqual([verified.status, verified.body], [401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }])
    const refreshed = await client(two.base).post('/api/jwt/refresh/', { refresh: tokens.refresh })
    assert.deepEqual([refreshed.status, refreshed.body], [401, { detail: 'Token is blacklisted', code: 'token_not_valid' }])
    assert.ok(await two.metric('session_cache_invalidations_total') > invalidations)
  })

  it('When logout/all, a session delete or a password change goes through one instance, then every instance refuses within 1 s', async () => {
    const [one, two, three] = instances as [Instance, Instance, Instance]
    const all = await signedIn(cluster, three)
    const second = await login(client(two.base), all.user.email, all.user.password)
    await refusedEverywhereWithinOneSecond(instances, second.access, async () => {
      assert.equal((await client(three.base).post('/api/logout/all/', {}, { bearer: all.tokens.access })).status, 204)
    })

    const deleted = await signedIn(cluster, one)
    const other = await login(client(one.base), deleted.user.email, deleted.user.password)
    const list = await client(two.base).get('/api/sessions/', { bearer: other.access })
    const target = (list.body as { id: string; current: boolean }[]).find((s) => !s.current)
    assert.ok(target)
    await refusedEverywhereWithinOneSecond(instances, deleted.tokens.access, async () => {
      assert.equal((await client(two.base).delete(`/api/sessions/${target.id}/`, undefined, { bearer: other.access })).status, 204)
    })

    const changed = await signedIn(cluster, two)
    await refusedEverywhereWithinOneSecond(instances, changed.tokens.access, async () => {
      const body = { current_password: changed.user.password, new_password: 'Another-Harbour-77', re_new_password: 'Another-Harbour-77' }
      assert.equal((await client(one.base).post('/api/users/set_password/', body, { bearer: changed.tokens.access })).status, 204)
    })
  })

  it('When an operator deactivates or deletes a user in psql, behind every instance\'s back, then all refuse its tokens within 1 s', async () => {
    const deactivated = await signedIn(cluster, instances[0] as Instance)
    await refusedEverywhereWithinOneSecond(instances, deactivated.tokens.access, async () => {
      await cluster.sql('UPDATE users SET is_active = 0 WHERE email = $1', [deactivated.user.email])
    })
    const deleted = await signedIn(cluster, instances[1] as Instance)
    await refusedEverywhereWithinOneSecond(instances, deleted.tokens.access, async () => {
      await cluster.sql('DELETE FROM auth_sessions WHERE user_id = (SELECT id FROM users WHERE email = $1)', [deleted.user.email])
    })
  })

  it('When the listening connections are killed with pg_terminate_backend, then revocations still count within 1 s, and the listeners come back', async () => {
    const [one, two, three] = instances as [Instance, Instance, Instance]
    const { tokens } = await signedIn(cluster, one)
    for (const instance of instances) assert.equal(await status(instance, tokens.access), 200)
    const before = await Promise.all(instances.map((i) => i.metric('session_cache_listener_reconnects_total')))
    const killed = await cluster.sql(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_APPLICATION_NAME],
    )
    assert.deepEqual(killed.map((row) => row.killed), [true, true, true])
    await refusedEverywhereWithinOneSecond([two, three], tokens.access, async () => {
      assert.equal((await client(one.base).post('/api/logout/', {}, { bearer: tokens.access })).status, 204)
    })
    await within(10_000, 'every listener reconnected', async () => {
      const now = await Promise.all(instances.map((i) => i.metric('session_cache_listener_reconnects_total')))
      return now.every((count, i) => count > (before[i] ?? 0))
    })
    const listening = await cluster.sql('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_APPLICATION_NAME])
    assert.equal(listening[0]?.n, 3)
    // Back to normal: answers come from the cache again, and a revocation still reaches every instance.
    const again = await signedIn(cluster, two)
    assert.equal(await status(three, again.tokens.access), 200)
    const hits = await three.metric('session_cache_hits_total')
    await within(5_000, 'the cache answers again', async () => {
      assert.equal(await status(three, again.tokens.access), 200)
      return await three.metric('session_cache_hits_total') > hits
    })
    await refusedEverywhereWithinOneSecond(instances, again.tokens.access, async () => {
      assert.equal((await client(two.base).post('/api/logout/', {}, { bearer: again.tokens.access })).status, 204)
    })
  })
})

describe('An instance whose listener goes silent (the network to PostgreSQL cut without a reset)', () => {
  let cluster: Cluster
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>
  before(async () => {
    const server = new URL(POSTGRES_SERVER_URL)
    proxy = await startTcpProxy(server.hostname, Number(server.port || 5432))
    cluster = await startInstances(2, TIMING, (i, databaseUrl): Record<string, string> => {
      if (i === 0) return {}
      // The second instance LISTENs through the relay the test can freeze; its pool goes straight to the server.
      const relayed = new URL(databaseUrl)
      relayed.hostname = '127.0.0.1'
      relayed.port = String(proxy.port)
      return { DATABASE_LISTEN_URL: relayed.toString() }
    })
  })
  after(async () => {
    proxy.thaw()
    await cluster.close()
    await proxy.close()
  })

  it('When the heartbeat stops coming back, then the cache is bypassed at once, the listener is replaced, and caching resumes', async () => {
    const [one, two] = cluster.instances as [Instance, Instance]
    const { tokens } = await signedIn(cluster, one)
    assert.equal(await status(two, tokens.access), 200)
    const reconnects = await two.metric('session_cache_listener_reconnects_total')
    proxy.freeze()
    // No notice can reach the second instance now, and nothing tells it so: only its heartbeat can.
    await refusedEverywhereWithinOneSecond([two], tokens.access, async () => {
      assert.equal((await client(one.base).post('/api/logout/', {}, { bearer: tokens.access })).status, 204)
    })
    await within(5_000, 'the heartbeat is seen overdue', async () => await two.metric('session_cache_heartbeat_age_seconds') > 0.5)
    const fresh = await signedIn(cluster, one)
    const misses = await two.metric('session_cache_misses_total')
    for (let i = 0; i < 5; i++) assert.equal(await status(two, fresh.tokens.access), 200)
    assert.equal(await two.metric('session_cache_misses_total') - misses, 5, 'every request read the database while the listener was silent')
    // Silent for twice the allowed lag, the connection is given up (a late heartbeat before that would have been enough).
    await within(5_000, 'the silent listener is given up', async () => two.warnings().some((w) => w.startsWith('revocation listener silent')))
    proxy.thaw()
    await within(15_000, () => `the listener was replaced (${two.warnings().join('; ')})`,
      async () => await two.metric('session_cache_listener_reconnects_total') > reconnects)
    const hits = await two.metric('session_cache_hits_total')
    await within(5_000, 'the cache answers again', async () => {
      assert.equal(await status(two, fresh.tokens.access), 200)
      return await two.metric('session_cache_hits_total') > hits
    })
    assert.ok(await two.metric('session_cache_heartbeat_age_seconds') < 0.5)
  })
})
