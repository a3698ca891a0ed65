import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { createTestClock } from '../helpers/clock.ts'
import { assertTokenPair, claimsOf, codeAt, enrolTotp, INVALID_CODE, midStep, mfaToken, STEP_MS } from '../helpers/mfa.ts'
import { userIdOf } from '../helpers/universities.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

// API.md §12 × §13: what the audit log records of second factors, read back over HTTP as a site admin and as the user.

type EventJson = {
  id: string; type: string; actor_id: number | null; user_id: number | null; ip: string | null; user_agent: string | null
  session_id: string | null; data: Record<string, unknown>
}

const AGENT = { 'user-agent': 'audit-events-test/1.0' }

describe('Second-factor events in the audit log (API.md §12, §13)', () => {
  let server: TestServer
  let api: Client
  let admin: Staff
  const clock = createTestClock(midStep())

  before(async () => {
    server = await startServer({}, { clock: clock.now })
    api = client(server.base)
    admin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const eventsOf = async (userId: number, query = ''): Promise<EventJson[]> => {
    const res = await api.get(`/api/audit/?user_id=${userId}${query}`, { bearer: admin.access })
    assert.equal(res.status, 200, res.text)
    return (res.body as { results: EventJson[] }).results
  }
  /** What an event says, without its id and time: the parts the stories decide. */
  const shape = (e: EventJson) => ({ type: e.type, actor_id: e.actor_id, user_id: e.user_id, ip: e.ip, data: e.data })
  const assertNoSecret = (events: EventJson[], secrets: readonly string[]) => {
    const text = JSON.stringify(events)
    for (const secret of secrets) assert.equal(text.includes(secret), false, `an event holds ${secret}`)
  }

  it('When a user enrols TOTP, fails a code, logs in with a code and with a recovery code, then each step is one event', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const id = await userIdOf(server.db, user.email)
    clock.advance(STEP_MS)

    const token = await mfaToken(api, user.email, user.password)
    const wrong = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: '000000' }, { headers: AGENT })
    assert.deepEqual([wrong.status, wrong.body], [400, INVALID_CODE])
    const code = codeAt(user.secret, clock.now())
    const withCode = assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: token, code }, { headers: AGENT }))

    const recoveryToken = await mfaToken(api, user.email, user.password)
    const [recoveryCode] = user.recoveryCodes
    const withRecovery = assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: recoveryToken, recovery_code: recoveryCode }, { headers: AGENT }))

    const events = await eventsOf(id)
    const ip = '127.0.0.1'
    assert.deepEqual(events.map(shape), [
      { type: 'login.succeeded', actor_id: id, user_id: id, ip, data: { method: 'recovery_code', amr: ['pwd', 'otp'] } },
      { type: 'recovery_code.used', actor_id: null, user_id: id, ip, data: { remaining: 9 } },
      { type: 'login.succeeded', actor_id: id, user_id: id, ip, data: { method: 'totp', amr: ['pwd', 'otp'] } },
      { type: 'login.failed', actor_id: null, user_id: id, ip, data: { reason: 'mfa_failed', method: 'totp' } },
      { type: 'mfa.enabled', actor_id: id, user_id: id, ip, data: { method: 'totp' } },
      { type: 'login.succeeded', actor_id: id, user_id: id, ip, data: { method: 'password', amr: ['pwd'] } },
      { type: 'user.activated', actor_id: null, user_id: id, ip, data: { via: 'link' } },
      { type: 'user.registered', actor_id: null, user_id: id, ip, data: events.at(-1)?.data },
    ])
    // One login.succeeded per login, naming the session it opened; the second steps carry the request's User-Agent.
    assert.equal(events[0]?.session_id, claimsOf(withRecovery.access).sid)
    assert.equal(events[2]?.session_id, claimsOf(withCode.access).sid)
    assert.equal(events[4]?.session_id, claimsOf(user.access).sid)
    for (const e of events.slice(0, 4)) assert.equal(e.user_agent, AGENT['user-agent'], e.type)
    assertNoSecret(events, [user.secret, code, '000000', token, recoveryToken, user.password, ...user.recoveryCodes])

    // The user's own history shows the same second-factor events.
    const own = await api.get('/api/users/me/activity/?type=mfa.enabled&type=recovery_code.used&type=login.failed', { bearer: withCode.access })
    assert.equal(own.status, 200, own.text)
    assert.deepEqual((own.body as { results: EventJson[] }).results.map((e) => [e.type, e.user_id, e.ip]),
      [['recovery_code.used', id, ip], ['login.failed', id, ip], ['mfa.enabled', id, ip]])
  })

  it('When a user removes TOTP with a recovery code, then recovery_code.used and mfa.disabled (via self), without the code', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const id = await userIdOf(server.db, user.email)
    const [recoveryCode] = user.recoveryCodes
    const disabled = await api.post('/api/mfa/totp/disable/', { current_password: user.password, code: recoveryCode }, { bearer: user.access })
    assert.equal(disabled.status, 204, disabled.text)
    const events = await eventsOf(id, '&type=mfa.disabled&type=recovery_code.used')
    assert.deepEqual(events.map(shape), [
      { type: 'mfa.disabled', actor_id: id, user_id: id, ip: '127.0.0.1', data: { method: 'totp', via: 'self' } },
      { type: 'recovery_code.used', actor_id: id, user_id: id, ip: '127.0.0.1', data: { remaining: 9 } },
    ])
    assertNoSecret(await eventsOf(id), [user.secret, user.password, ...user.recoveryCodes])
  })

  it('When a site admin resets a user\'s factors, then mfa.disabled names the admin as actor and the user as user_id', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const id = await userIdOf(server.db, user.email)
    const reset = await api.post(`/api/admin/users/${id}/reset-mfa/`, {}, { bearer: admin.access })
    assert.equal(reset.status, 204, reset.text)
    const events = await eventsOf(id, '&type=mfa.disabled&type=admin.action')
    assert.deepEqual(events.map(shape), [
      { type: 'mfa.disabled', actor_id: admin.id, user_id: id, ip: '127.0.0.1', data: { method: 'all', via: 'admin_reset' } },
    ])
    assert.equal(events[0]?.session_id, claimsOf(admin.access).sid)
  })

  it('When an operator runs users reset-mfa, then mfa.disabled (via operator) and its admin.action, with no actor or address', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const id = await userIdOf(server.db, user.email)
    const result = await runCli(['users', 'reset-mfa', user.email], cliEnv(server.database))
    assert.equal(result.status, 0, result.stderr)
    const events = await eventsOf(id, '&type=mfa.disabled&type=admin.action')
    assert.deepEqual(events.map(shape), [
      { type: 'mfa.disabled', actor_id: null, user_id: id, ip: null, data: { method: 'all', via: 'operator' } },
      { type: 'admin.action', actor_id: null, user_id: id, ip: null, data: { action: 'users reset-mfa', target: 'mfa.disabled' } },
    ])
    assert.deepEqual(events.map((e) => e.user_agent), ['cli', 'cli'])
  })
})
