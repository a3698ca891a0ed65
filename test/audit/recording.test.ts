import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { userIdOf } from '../helpers/universities.ts'
import { assertNoSecretsLogged, eventsAfter, lastEventId, waitForEvent } from '../helpers/audit.ts'

// The client's address as the trusted proxy (the test itself, 127.0.0.1) reports it (API.md §11's rule).
const CLIENT_IP = '203.0.113.7'
const AGENT = 'audit-test/1.0'
const from = { 'x-forwarded-for': CLIENT_IP, 'user-agent': AGENT }

describe('Audit log: the events of accounts, logins and sessions (API.md §13)', () => {
  let server: TestServer
  // Every secret the run handles; none may reach the log.
  const secrets: string[] = []
  before(async () => {
    server = await startServer({ TRUSTED_PROXIES: '127.0.0.1', REFRESH_TOKEN_REUSE_INTERVAL: '0' })
  })
  after(async () => { await server.close() })

  it('When a user registers, activates, fails to log in and logs in, then each is one event with ip, user agent and session', async () => {
    const api = client(server.base)
    const since = await lastEventId(server.db)
    const body = newUser()
    secrets.push(body.password)
    assert.equal((await api.post('/api/users/', body, { headers: from })).status, 201)
    const email = body.email.toLowerCase()
    const id = await userIdOf(server.db, email)
    assert.equal((await api.post('/api/jwt/create/', { email, password: body.password }, { headers: from })).status, 401)
    const mail = await server.mail.waitFor((m) => m.to === email && m.subject.startsWith('Account activation'))
    const link = linkParts(mail, 'nl/activation')
    secrets.push(link.token)
    assert.equal((await api.post('/api/users/activation/', link, { headers: from })).status, 204)
    assert.equal((await api.post('/api/jwt/create/', { email, password: 'Wrong-Password-1' }, { headers: from })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: 'nobody@example.com', password: 'Wrong-Password-2' }, { headers: from })).status, 401)
    secrets.push('Wrong-Password-1', 'Wrong-Password-2')
    const ok = await api.post('/api/jwt/create/', { email, password: body.password }, { headers: from })
    assert.equal(ok.status, 200)
    const { access, refresh } = ok.body as { access: string; refresh: string }
    secrets.push(access, refresh)

    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.userId, e.data.reason ?? null]), [
      ['user.registered', id, null],
      ['login.failed', id, 'inactive'],
      ['user.activated', id, null],
      ['login.failed', id, 'bad_credentials'],
      ['login.failed', null, 'bad_credentials'],
      ['login.succeeded', id, null],
    ])
    for (const event of events) {
      assert.deepEqual([event.ip, event.userAgent], [CLIENT_IP, AGENT], event.type)
      assert.match(event.id, /^[0-9A-HJKMNP-TV-Z]{26}$/)
    }
    assert.deepEqual(events[0]?.data, { via: 'registration', email, username: body.username.toLowerCase(), user_type: 5 })
    assert.deepEqual(events[4]?.data, { reason: 'bad_credentials', email: 'nobody@example.com', method: 'password' })
    const succeeded = events[5]
    const sessions = await api.get('/api/sessions/', { bearer: access })
    const [session] = sessions.body as { id: string }[]
    assert.deepEqual([succeeded?.actorId, succeeded?.sessionId, succeeded?.data], [id, session?.id, { method: 'password', amr: ['pwd'] }])
    assert.deepEqual([events[0]?.actorId, events[0]?.sessionId], [null, null])
  })

  it('When a retired refresh token is presented again, then token.reuse_detected names the revoked session', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { refresh, access } = await login(api, user.email, user.password)
    secrets.push(refresh, access)
    const since = await lastEventId(server.db)
    const rotated = await api.post('/api/jwt/refresh/', { refresh }, { headers: from })
    assert.equal(rotated.status, 200)
    const reused = await api.post('/api/jwt/refresh/', { refresh }, { headers: from })
    assert.deepEqual([reused.status, reused.body], [401, { detail: 'Token is blacklisted', code: 'token_not_valid' }])
    const [event, ...rest] = await eventsAfter(server.db, since)
    assert.deepEqual(rest, [])
    assert.equal(event?.type, 'token.reuse_detected')
    assert.equal(event.userId, await userIdOf(server.db, user.email))
    assert.equal(event.data.revoked_session_id, event.sessionId)
    assert.deepEqual([event.ip, event.actorId], [CLIENT_IP, null])
  })

  it('When a user logs out, revokes a session and logs out everywhere, then each is a session.revoked event', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    const first = await login(api, user.email, user.password)
    const second = await login(api, user.email, user.password)
    const third = await login(api, user.email, user.password)
    secrets.push(first.access, second.refresh, third.access)
    const since = await lastEventId(server.db)
    assert.equal((await api.post('/api/logout/', { refresh: first.refresh }, { bearer: first.access, headers: from })).status, 204)
    const listed = (await api.get('/api/sessions/', { bearer: third.access })).body as { id: string; current: boolean }[]
    const other = listed.find((s) => !s.current)
    assert.ok(other)
    assert.equal((await api.delete(`/api/sessions/${other.id}/`, undefined, { bearer: third.access, headers: from })).status, 204)
    assert.equal((await api.post('/api/logout/all/', {}, { bearer: third.access, headers: from })).status, 204)
    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.userId, e.actorId, e.data.reason]), [
      ['session.revoked', id, id, 'logout'],
      ['session.revoked', id, id, 'revoked'],
      ['session.revoked', id, id, 'logout_all'],
    ])
    assert.equal(events[1]?.data.revoked_session_id, other.id)
    assert.notEqual(events[1]?.sessionId, other.id)
    assert.equal(events[0]?.data.revoked_session_id, events[0]?.sessionId)
  })

  it('When a user changes and resets password and email, edits and deletes the account, then each step is its event', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    let { access } = await login(api, user.email, user.password)
    secrets.push(access)
    const since = await lastEventId(server.db)
    const changed = 'Second-Password-77'
    secrets.push(changed)
    const setPassword = { current_password: user.password, new_password: changed, re_new_password: changed }
    assert.equal((await api.post('/api/users/set_password/', setPassword, { bearer: access, headers: from })).status, 204)
    assert.equal((await api.post('/api/users/reset_password/', { email: user.email }, { headers: from })).status, 204)
    await waitForEvent(server.db, (e) => e.type === 'password.reset_requested' && e.userId === id)
    const resetMail = await server.mail.waitFor((m) => m.to === user.email && m.subject.startsWith('Password reset'))
    const link = linkParts(resetMail, 'nl/password-reset')
    const third = 'Third-Password-88'
    secrets.push(link.token, third)
    const confirm = { ...link, new_password: third, re_new_password: third }
    assert.equal((await api.post('/api/users/reset_password_confirm/', confirm, { headers: from })).status, 204)
    access = (await login(api, user.email, third)).access
    const newEmail = `moved.${user.email}`
    const setEmail = { current_password: third, new_email: newEmail, re_new_email: newEmail }
    assert.equal((await api.post('/api/users/set_email/', setEmail, { bearer: access, headers: from })).status, 204)
    access = (await login(api, newEmail, third)).access
    assert.equal((await api.patch('/api/users/me/', { first_name: 'Augusta' }, { bearer: access, headers: from })).status, 200)
    assert.equal((await api.delete('/api/users/me/', { current_password: third }, { bearer: access, headers: from })).status, 204)

    const events = (await eventsAfter(server.db, since)).filter((e) => e.type !== 'login.succeeded')
    assert.deepEqual(events.map((e) => [e.type, e.userId]), [
      ['password.changed', id], ['password.reset_requested', id], ['password.reset', id], ['email.changed', id], ['user.updated', id], ['user.deleted', id],
    ])
    assert.deepEqual(events.map((e) => e.actorId), [id, null, null, id, id, id])
    assert.deepEqual(events[3]?.data, { via: 'set_email', old_email: user.email, new_email: newEmail })
    assert.deepEqual(events[4]?.data, { fields: ['first_name'] })
    assert.deepEqual(events[5]?.data, { via: 'self', email: newEmail })
    assert.ok(events.every((e) => e.ip === CLIENT_IP && e.userAgent === AGENT))
  })

  it('When the login limit refuses an attempt, then it is a login.failed event with reason throttled', async () => {
    const limited = await startServer({ RATE_LIMIT: 'on', RATE_LIMIT_LOGIN_ACCOUNT_IP: '1/3600' })
    try {
      const api = client(limited.base)
      const tries = ['Guess-Number-One', 'Guess-Number-Two']
      const answers = []
      for (const password of tries) answers.push((await api.post('/api/jwt/create/', { email: 'target@example.com', password }, { headers: from })).status)
      assert.deepEqual(answers, [401, 429])
      const events = await eventsAfter(limited.db, undefined)
      // Without TRUSTED_PROXIES the forwarded address is not believed: the socket's peer is the client.
      assert.deepEqual(events.map((e) => [e.type, e.data.reason, e.data.email, e.ip]), [
        ['login.failed', 'bad_credentials', 'target@example.com', '127.0.0.1'],
        ['login.failed', 'throttled', 'target@example.com', '127.0.0.1'],
      ])
      await assertNoSecretsLogged(limited.db, tries)
    } finally {
      await limited.close()
    }
  })

  it('When every story of this file has run, then no password, token or hash is anywhere in the log', async () => {
    await assertNoSecretsLogged(server.db, secrets)
  })
})
