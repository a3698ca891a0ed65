import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

type SessionJson = { id: string; created: string; last_used: string; ip: string; user_agent: string; current: boolean }
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

describe('GET /api/sessions/, DELETE /api/sessions/{id}/, POST /api/logout/all/', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('When a user has logged in twice, then both sessions are listed newest first, the calling one marked current', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const laptop = await api.post('/api/jwt/create/', { email: user.email, password: user.password }, { headers: { 'user-agent': 'Laptop/1.0' } })
    const phone = await api.post('/api/jwt/create/', { email: user.email, password: user.password }, { headers: { 'user-agent': 'Phone/2.0' } })
    const res = await api.get('/api/sessions/', { bearer: (laptop.body as { access: string }).access })
    assert.equal(res.status, 200)
    const sessions = res.body as SessionJson[]
    assert.equal(sessions.length, 2)
    assert.deepEqual(sessions.map((s) => [s.user_agent, s.current]), [['Phone/2.0', false], ['Laptop/1.0', true]])
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s).sort(), ['created', 'current', 'id', 'ip', 'last_used', 'user_agent'])
      assert.match(s.created, ISO)
      assert.match(s.last_used, ISO)
      assert.equal(s.ip, '127.0.0.1')
    }
    assert.ok(phone.status === 200)
  })

  it('When a session is deleted, then its refresh and access tokens stop working and the other session goes on', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const a = await login(api, user.email, user.password)
    const b = await login(api, user.email, user.password)
    const list = (await api.get('/api/sessions/', { bearer: a.access })).body as SessionJson[]
    const other = list.find((s) => !s.current)
    assert.ok(other)
    const del = await api.delete(`/api/sessions/${other.id}/`, undefined, { bearer: a.access })
    assert.equal(del.status, 204)
    assert.equal(del.text, '')
    assert.equal((await api.get('/api/users/me/', { bearer: b.access })).status, 401)
    assert.deepEqual((await api.post('/api/jwt/refresh/', { refresh: b.refresh })).body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    assert.equal((await api.get('/api/users/me/', { bearer: a.access })).status, 200)
    assert.equal(((await api.get('/api/sessions/', { bearer: a.access })).body as SessionJson[]).length, 1)
  })

  it("When another user's or an unknown session id is deleted, then 404", async () => {
    const api = client(server.base)
    const alice = await registerAndActivate(server)
    const bob = await registerAndActivate(server)
    const a = await login(api, alice.email, alice.password)
    const b = await login(api, bob.email, bob.password)
    const [bobSession] = (await api.get('/api/sessions/', { bearer: b.access })).body as SessionJson[]
    assert.ok(bobSession)
    for (const id of [bobSession.id, 'no-such-session']) {
      const res = await api.delete(`/api/sessions/${id}/`, undefined, { bearer: a.access })
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, { detail: 'Not found.' })
    }
    assert.equal((await api.get('/api/users/me/', { bearer: b.access })).status, 200)
  })

  it('When a refresh happens, then last_used moves and the session stays the same', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { access, refresh } = await login(api, user.email, user.password)
    await server.db.updateTable('authSessions').set({ lastUsedAt: 0 }).execute()
    const refreshed = await api.post('/api/jwt/refresh/', { refresh })
    assert.equal(refreshed.status, 200)
    const [session] = (await api.get('/api/sessions/', { bearer: access })).body as SessionJson[]
    assert.ok(session)
    assert.notEqual(session.last_used, new Date(0).toISOString())
    assert.equal(session.current, true)
  })

  it('When logout/all is called, then every session of the user ends and the cookies are deleted', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const a = await login(api, user.email, user.password)
    const b = await login(api, user.email, user.password)
    const res = await api.post('/api/logout/all/', undefined, { bearer: a.access })
    assert.equal(res.status, 204)
    assert.deepEqual(Object.keys(res.cookies).sort(), ['access', 'refresh'])
    assert.equal(res.cookies.access, '')
    for (const t of [a, b]) {
      assert.equal((await api.get('/api/users/me/', { bearer: t.access })).status, 401)
      assert.equal((await api.post('/api/jwt/refresh/', { refresh: t.refresh })).status, 401)
    }
    assert.ok((await login(api, user.email, user.password)).access)
  })

  it('When anonymous, then the session routes answer 401', async () => {
    const api = client(server.base)
    for (const res of [await api.get('/api/sessions/'), await api.delete('/api/sessions/x/'), await api.post('/api/logout/all/')]) {
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    }
  })
})
