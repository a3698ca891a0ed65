import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'
import { assertTokenPair, codeAt, enrolTotp, midStep, mfaToken, SECURITY_SUBJECT, STEP_MS } from '../helpers/mfa.ts'
import { setUserType, userIdOf } from '../helpers/universities.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

// API.md §12: MFA_REQUIRED_USER_TYPES on the role-gated routes of §8, and an operator's reset of a user's factors.

const SETUP_REQUIRED = { detail: 'Two-factor authentication must be set up for this account.', code: 'mfa_setup_required' }
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' }

describe('MFA_REQUIRED_USER_TYPES and the admin reset (API.md §12)', () => {
  let server: TestServer
  let api: Client
  const clock = createTestClock(midStep())

  before(async () => {
    server = await startServer({ MFA_REQUIRED_USER_TYPES: '0, 1' }, { clock: clock.now })
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When a required type has no second factor, then its role-gated routes answer mfa_setup_required until it enrols', async () => {
    const admin = await loginSiteAdmin(server)
    const status = await api.get('/api/mfa/', { bearer: admin.access })
    assert.equal((status.body as { required: boolean }).required, true)
    for (const path of ['/api/university/pending/', '/api/university/approved/']) {
      const res = await api.get(path, { bearer: admin.access })
      assert.equal(res.status, 403, path)
      assert.deepEqual(res.body, SETUP_REQUIRED)
    }
    assert.deepEqual((await api.post('/api/university/approve/', { university_id: 1 }, { bearer: admin.access })).body, SETUP_REQUIRED)
    // Not a role-gated route of §8: answered as before.
    assert.equal((await api.get('/api/users/me/', { bearer: admin.access })).status, 200)
    assert.equal((await api.get('/api/university/list/', { bearer: admin.access })).status, 200)

    // The enrolment routes stay open; once enrolled, the same session gets through.
    const setup = await api.post('/api/mfa/totp/setup/', { current_password: 'Quiet-Harbour-42' }, { bearer: admin.access })
    assert.equal(setup.status, 200)
    const { secret } = setup.body as { secret: string }
    assert.equal((await api.post('/api/mfa/totp/confirm/', { code: codeAt(secret, clock.now()) }, { bearer: admin.access })).status, 200)
    const pending = await api.get('/api/university/pending/', { bearer: admin.access })
    assert.equal(pending.status, 200)
    assert.ok(Array.isArray(pending.body))
  })

  it('When a type outside the list uses the routes, then nothing changes; a university admin is held to it too', async () => {
    const student = await registerAndActivate(server)
    const access = (await login(api, student.email, student.password)).access
    assert.deepEqual((await api.get('/api/university/pending/', { bearer: access })).body, FORBIDDEN)
    assert.equal(((await api.get('/api/mfa/', { bearer: access })).body as { required: boolean }).required, false)
    await setUserType(server.db, student.email, 1)
    const res = await api.get('/api/department/list/', { bearer: access })
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, SETUP_REQUIRED)
  })

  it('When a site admin resets a user\'s factors, then they are gone, every session of the user ends and they are mailed', async () => {
    const admin = await enrolTotp(server, api, clock.now)
    await setUserType(server.db, admin.email, 0)
    const user = await enrolTotp(server, api, clock.now)
    const userId = await userIdOf(server.db, user.email)
    clock.advance(STEP_MS)
    const adminPair = assertTokenPair(await api.post('/api/jwt/create/mfa/', {
      mfa_token: await mfaToken(api, admin.email, admin.password), code: codeAt(admin.secret, clock.now()),
    }))

    assert.deepEqual((await api.post(`/api/admin/users/${userId}/reset-mfa/`, {}, { bearer: user.access })).body, FORBIDDEN)
    assert.equal((await api.post(`/api/admin/users/${userId}/reset-mfa/`, {})).status, 401)
    for (const id of ['999999', 'abc', '99999999999']) {
      const res = await api.post(`/api/admin/users/${id}/reset-mfa/`, {}, { bearer: adminPair.access })
      assert.equal(res.status, 404, id)
      assert.deepEqual(res.body, { detail: 'Not found.' })
    }
    const reset = await api.post(`/api/admin/users/${userId}/reset-mfa/`, {}, { bearer: adminPair.access })
    assert.equal(reset.status, 204)
    assert.equal((await api.get('/api/users/me/', { bearer: user.access })).status, 401)
    await server.mail.waitFor((m) => m.to === user.email && m.subject === SECURITY_SUBJECT && m.text.includes('An administrator removed'))
    const pair = assertTokenPair(await api.post('/api/jwt/create/', { email: user.email, password: user.password }))
    assert.deepEqual((await api.get('/api/mfa/', { bearer: pair.access })).body,
      { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
  })

  it('When an operator runs users reset-mfa EMAIL, then the factors go and the sessions end', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const result = await runCli(['users', 'reset-mfa', user.email], cliEnv(server.database))
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /Second factors of .* removed; every session it held has ended/)
    assert.equal((await api.get('/api/users/me/', { bearer: user.access })).status, 401)
    assertTokenPair(await api.post('/api/jwt/create/', { email: user.email, password: user.password }))
    await server.mail.waitFor((m) => m.to === user.email && m.text.includes('An administrator removed'))
    const unknown = await runCli(['users', 'reset-mfa', 'nobody@example.com'], cliEnv(server.database))
    assert.notEqual(unknown.status, 0)
  })
})
