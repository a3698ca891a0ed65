import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'
import {
  assertTokenPair, claimsOf, codeAt, enrolTotp, INVALID_CODE, midStep, mfaToken, SECURITY_SUBJECT, STEP_MS, TOKEN_INVALID,
} from '../helpers/mfa.ts'

// API.md §12: TOTP enrolment, the two-step login and its mfa_token. Time moves by the injected clock, never by sleeping.

describe('TOTP (API.md §12)', () => {
  let server: TestServer
  let api: Client
  const clock = createTestClock(midStep())

  before(async () => {
    server = await startServer({}, { clock: clock.now })
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When a user has never enrolled, then GET /api/mfa/ says so and login answers tokens as before', async () => {
    const user = await registerAndActivate(server)
    const { access, res } = await login(api, user.email, user.password)
    const status = await api.get('/api/mfa/', { bearer: access })
    assert.equal(status.status, 200)
    assert.deepEqual(status.body, { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
    assert.deepEqual(claimsOf(access).amr, ['pwd'])
    assert.equal(res.setCookies.length, 2)
    const sessions = await api.get('/api/sessions/', { bearer: access })
    assert.equal((sessions.body as object[]).every((s) => !('amr' in s)), true)
  })

  it('When TOTP is set up and confirmed, then 10 recovery codes, a mail without secrets, and the other sessions end', async () => {
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    const other = await login(api, user.email, user.password)
    const wrongPassword = await api.post('/api/mfa/totp/setup/', { current_password: 'nope' }, { bearer: access })
    assert.equal(wrongPassword.status, 400)
    assert.deepEqual(wrongPassword.body, { current_password: ['Invalid password.'] })

    const setup = await api.post('/api/mfa/totp/setup/', { current_password: user.password }, { bearer: access })
    assert.equal(setup.status, 200)
    const { secret, otpauth_url: url, qr_svg: svg } = setup.body as { secret: string; otpauth_url: string; qr_svg: string }
    assert.match(secret, /^[A-Z2-7]{32}$/)
    assert.equal(url, `otpauth://totp/UniLink:${encodeURIComponent(user.email)}?secret=${secret}&issuer=UniLink&algorithm=SHA1&digits=6&period=30`)
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)

    for (const code of ['000000', '12345', '1234567', 'abcdef', '']) {
      const wrong = await api.post('/api/mfa/totp/confirm/', { code }, { bearer: access })
      assert.equal(wrong.status, 400, code)
    }
    const confirmed = await api.post('/api/mfa/totp/confirm/', { code: codeAt(secret, clock.now()) }, { bearer: access })
    assert.equal(confirmed.status, 200)
    const codes = (confirmed.body as { recovery_codes: string[] }).recovery_codes
    assert.equal(codes.length, 10)
    for (const code of codes) assert.match(code, /^[a-z0-9]{4}-[a-z0-9]{4}$/)
    assert.equal(new Set(codes).size, 10)

    const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject === SECURITY_SUBJECT)
    assert.match(mail.text, /authenticator app \(TOTP\) was set up/)
    assert.equal(mail.text.includes(secret) || mail.html.includes(secret) || codes.some((c) => mail.text.includes(c)), false)
    assert.equal((await api.get('/api/users/me/', { bearer: other.access })).status, 401)
    assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 200)

    const status = await api.get('/api/mfa/', { bearer: access })
    assert.deepEqual(status.body, { enabled: true, totp: true, passkeys: 0, recovery_codes_left: 10, required: false })
    const again = await api.post('/api/mfa/totp/setup/', { current_password: user.password }, { bearer: access })
    assert.equal(again.status, 400)
    assert.deepEqual(again.body, { non_field_errors: ['Two-factor authentication is already enabled.'] })
  })

  it('When a user with TOTP logs in, then mfa_required with an mfa_token, no cookies; the code finishes it once', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const wrongPassword = await api.post('/api/jwt/create/', { email: user.email, password: 'wrong-password' })
    assert.equal(wrongPassword.status, 401)
    assert.deepEqual(wrongPassword.body, { detail: 'No active account found with the given credentials' })

    const first = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    assert.equal(first.status, 401)
    assert.equal(first.headers.get('www-authenticate'), 'Bearer realm="api"')
    assert.deepEqual(first.setCookies, [])
    const body = first.body as Record<string, unknown>
    assert.deepEqual(Object.keys(body).sort(), ['code', 'detail', 'methods', 'mfa_token'])
    assert.equal(body.detail, 'Two-factor authentication required.')
    assert.deepEqual(body.methods, ['totp', 'recovery_code'])
    assert.match(String(body.mfa_token), /^[A-Za-z0-9_-]{43}$/)

    // The step the enrolment used is spent: the same code is refused (and costs an attempt).
    const replay = await api.post('/api/jwt/create/mfa/', { mfa_token: body.mfa_token, code: codeAt(user.secret, clock.now()) })
    assert.equal(replay.status, 400)
    assert.deepEqual(replay.body, INVALID_CODE)
    clock.advance(STEP_MS)
    const code = codeAt(user.secret, clock.now())
    const pair = assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: body.mfa_token, code }))
    assert.deepEqual(claimsOf(pair.access).amr, ['pwd', 'otp'])
    assert.deepEqual(claimsOf(pair.refresh).amr, ['pwd', 'otp'])
    assert.equal((await api.get('/api/users/me/', { bearer: pair.access })).status, 200)

    const used = await api.post('/api/jwt/create/mfa/', { mfa_token: body.mfa_token, code })
    assert.equal(used.status, 401)
    assert.deepEqual(used.body, TOKEN_INVALID)
    const sameCodeNewToken = await api.post('/api/jwt/create/mfa/', { mfa_token: await mfaToken(api, user.email, user.password), code })
    assert.deepEqual(sameCodeNewToken.body, INVALID_CODE)

    const refreshed = await api.post('/api/jwt/refresh/', { refresh: pair.refresh })
    assert.equal(refreshed.status, 200)
    assert.deepEqual(claimsOf((refreshed.body as { access: string }).access).amr, ['pwd', 'otp'])
    const sessions = (await api.get('/api/sessions/', { bearer: pair.access })).body as { amr: string[]; current: boolean }[]
    assert.deepEqual(sessions.map((s) => [s.current, s.amr]), [[true, ['pwd', 'otp']], [false, ['pwd']]])
  })

  it('When the code is of the previous or next step it is accepted; two steps away it is refused', async () => {
    const user = await enrolTotp(server, api, clock.now)
    clock.advance(10 * STEP_MS)
    const now = clock.now()
    const tryCode = async (at: number) =>
      api.post('/api/jwt/create/mfa/', { mfa_token: await mfaToken(api, user.email, user.password), code: codeAt(user.secret, at) })
    assert.deepEqual((await tryCode(now - 2 * STEP_MS)).body, INVALID_CODE)
    assertTokenPair(await tryCode(now - STEP_MS))
    assert.deepEqual((await tryCode(now + 2 * STEP_MS)).body, INVALID_CODE)
    assertTokenPair(await tryCode(now + STEP_MS))
    // A code of a step before the last one used is a replay, even within the window.
    assert.deepEqual((await tryCode(now)).body, INVALID_CODE)
  })

  it('When five wrong codes are sent with one mfa_token, then the token is dead, even for the right code', async () => {
    const user = await enrolTotp(server, api, clock.now)
    clock.advance(STEP_MS)
    const token = await mfaToken(api, user.email, user.password)
    for (const code of ['000000', '111111', '222222', '12', 'abcdef']) {
      const res = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_CODE)
    }
    const right = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(user.secret, clock.now()) })
    assert.equal(right.status, 401)
    assert.deepEqual(right.body, TOKEN_INVALID)
    assert.equal(right.headers.get('www-authenticate'), 'Bearer realm="api"')
    const fresh = await mfaToken(api, user.email, user.password)
    assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: fresh, code: codeAt(user.secret, clock.now()) }))
  })

  it('When the mfa_token is older than 5 minutes, then it is refused', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const token = await mfaToken(api, user.email, user.password)
    clock.advance(5 * 60_000 + 1000)
    const res = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(user.secret, clock.now()) })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, TOKEN_INVALID)
  })

  it('When the password changes after the mfa_token was made, then the token is dead', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const token = await mfaToken(api, user.email, user.password)
    const changed = await api.post('/api/users/set_password/', {
      current_password: user.password, new_password: 'Another-Secret-91', re_new_password: 'Another-Secret-91',
    }, { bearer: user.access })
    assert.equal(changed.status, 204)
    clock.advance(STEP_MS)
    const res = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(user.secret, clock.now()) })
    assert.deepEqual(res.body, TOKEN_INVALID)
  })

  it('When a recovery code is used, then it logs in once, mails the user, and counts down', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const [code = '', second = ''] = user.recoveryCodes
    const token = await mfaToken(api, user.email, user.password)
    const pair = assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: token, recovery_code: code.toUpperCase() }))
    assert.deepEqual(claimsOf(pair.access).amr, ['pwd', 'otp'])
    const mail = await server.mail.waitFor((m) => m.to === user.email && m.text.includes('recovery code was used'))
    assert.match(mail.text, /9 recovery codes are left/)
    assert.equal(mail.text.includes(code), false)
    const again = await api.post('/api/jwt/create/mfa/', { mfa_token: await mfaToken(api, user.email, user.password), recovery_code: code })
    assert.equal(again.status, 400)
    assert.deepEqual(again.body, { recovery_code: ['Invalid code.'] })
    const status = await api.get('/api/mfa/', { bearer: pair.access })
    assert.equal((status.body as { recovery_codes_left: number }).recovery_codes_left, 9)

    // A session that signed in with a second factor needs no code for new ones; the old ones stop working.
    const fresh = await api.post('/api/mfa/recovery-codes/', { current_password: user.password }, { bearer: pair.access })
    assert.equal(fresh.status, 200)
    assert.equal((fresh.body as { recovery_codes: string[] }).recovery_codes.length, 10)
    const old = await api.post('/api/jwt/create/mfa/', { mfa_token: await mfaToken(api, user.email, user.password), recovery_code: second })
    assert.deepEqual(old.body, { recovery_code: ['Invalid code.'] })
  })

  it('When a password-only session asks for new recovery codes, then it needs a code', async () => {
    const user = await enrolTotp(server, api, clock.now)
    const missing = await api.post('/api/mfa/recovery-codes/', { current_password: user.password }, { bearer: user.access })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { code: ['This field is required.'] })
    const wrong = await api.post('/api/mfa/recovery-codes/', { current_password: user.password, code: '000000' }, { bearer: user.access })
    assert.deepEqual(wrong.body, INVALID_CODE)
    const ok = await api.post('/api/mfa/recovery-codes/', { current_password: user.password, code: user.recoveryCodes[0] }, { bearer: user.access })
    assert.equal(ok.status, 200)
  })

  it('When TOTP is disabled with a code, then login is one step again and the user is mailed', async () => {
    const user = await enrolTotp(server, api, clock.now)
    clock.advance(STEP_MS)
    const wrong = await api.post('/api/mfa/totp/disable/', { current_password: user.password, code: '123456' }, { bearer: user.access })
    assert.equal(wrong.status, 400)
    assert.deepEqual(wrong.body, INVALID_CODE)
    const badPassword = await api.post('/api/mfa/totp/disable/', { current_password: 'x', code: codeAt(user.secret, clock.now()) }, { bearer: user.access })
    assert.deepEqual(badPassword.body, { current_password: ['Invalid password.'] })
    const done = await api.post('/api/mfa/totp/disable/', { current_password: user.password, code: codeAt(user.secret, clock.now()) }, { bearer: user.access })
    assert.equal(done.status, 204)
    assert.equal(done.text, '')
    await server.mail.waitFor((m) => m.to === user.email && m.text.includes('authenticator app (TOTP) was removed'))
    const status = await api.get('/api/mfa/', { bearer: user.access })
    assert.deepEqual(status.body, { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
    assertTokenPair(await api.post('/api/jwt/create/', { email: user.email, password: user.password }))
    const notEnabled = await api.post('/api/mfa/totp/disable/', { current_password: user.password, code: '123456' }, { bearer: user.access })
    assert.deepEqual(notEnabled.body, { non_field_errors: ['Two-factor authentication is not enabled.'] })
  })

  it('When the routes are called anonymously, then 401', async () => {
    const routes = [['GET', '/api/mfa/'], ['POST', '/api/mfa/totp/setup/'], ['POST', '/api/mfa/totp/confirm/'], ['POST', '/api/mfa/recovery-codes/']]
    for (const [method, path] of routes) {
      const res = await api.call(method ?? 'GET', path ?? '/', method === 'GET' ? {} : { json: {} })
      assert.equal(res.status, 401, path)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    }
  })
})
