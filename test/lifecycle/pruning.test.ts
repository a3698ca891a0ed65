import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createDbCounterStore } from '../../src/platform/counter-store.ts'
import { createTokenStore } from '../../src/tokens/store.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

describe('Pruning of expired revocation state', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('When sessions, tokens and counters have expired, then pruning deletes them and keeps the live ones working', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const stale = await login(api, user.email, user.password)
    const live = await login(api, user.email, user.password)
    const now = Date.now()
    const [staleSession] = await server.db.selectFrom('authSessions').select('id').orderBy('createdAt').limit(1).execute()
    assert.ok(staleSession)
    await server.db.updateTable('authSessions').set({ expiresAt: now - 1 }).where('id', '=', staleSession.id).execute()
    await server.db.updateTable('refreshTokens').set({ expiresAt: now - 1 }).where('sessionId', '=', staleSession.id).execute()
    await server.db.insertInto('revokedTokens').values([{ jtiHash: 'old', expiresAt: now - 1 }, { jtiHash: 'new', expiresAt: now + 60_000 }]).execute()
    const counters = createDbCounterStore(server.db)
    const oneAMinute = { intervalMs: 60_000, burst: 1 }
    // Full again a millisecond ago (prunable), and a minute from now (live).
    assert.equal(await counters.take('rb:test:old', now - 60_001, oneAMinute), 0)
    assert.equal(await counters.take('rb:test:new', now, oneAMinute), 0)

    const removed = await createTokenStore(server.db).pruneExpired(now)
    assert.equal(removed, 3)
    assert.equal(await counters.prune(now), 1)

    assert.deepEqual((await server.db.selectFrom('authSessions').select('id').execute()).map((r) => r.id).includes(staleSession.id), false)
    assert.deepEqual((await server.db.selectFrom('revokedTokens').select('jtiHash').execute()).map((r) => r.jtiHash), ['new'])
    assert.equal(await counters.take('rb:test:new', now, oneAMinute), 60_000)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: stale.refresh })).status, 401)
    assert.equal((await api.get('/api/users/me/', { bearer: stale.access })).status, 401)
    assert.equal((await api.get('/api/users/me/', { bearer: live.access })).status, 200)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: live.refresh })).status, 200)
  })
})
