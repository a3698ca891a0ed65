import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'
import { assertTokenPair, codeAt, enrolTotp, INVALID_CODE, midStep, mfaToken, STEP_MS, TOKEN_INVALID } from '../helpers/mfa.ts'

// API.md §12 with bad input: garbage, truncated, oversized or wrongly typed credentials, codes that are not six
// digits, another user's mfa_token. Always the contract's 400 or 401, never a 500.

const b64 = (text: string) => Buffer.from(text).toString('base64url')
/** Well-formed on the outside, nonsense inside: a challenge nobody issued, random bytes for the rest. */
const fakeAssertion = (clientData: string) => ({
  id: 'AAAA', rawId: 'AAAA', type: 'public-key', clientExtensionResults: {},
  response: { clientDataJSON: clientData, authenticatorData: b64('x'.repeat(37)), signature: b64('sig') },
})
const GARBAGE: unknown[] = [
  'credential', 123, true, [], [1, 2], {}, { id: 'x' }, { type: 'public-key', id: '%%%', rawId: '%%%', response: {} },
  fakeAssertion(b64('{"challenge":')), fakeAssertion(b64(JSON.stringify({ type: 'webauthn.get', challenge: 'bm9uZQ', origin: 'http://x' }))),
  fakeAssertion('not base64 at all!'), fakeAssertion('A'.repeat(50_000)),
  { ...fakeAssertion(b64('{}')), response: { clientDataJSON: 5, authenticatorData: [], signature: {} } },
  { a: { b: { c: { d: { e: { f: [[[[[]]]]] } } } } } },
]

function assertNot500(res: Reply): void {
  assert.ok(res.status < 500, `${res.status} ${res.text}`)
}

describe('Second factors with bad input (API.md §12)', () => {
  let server: TestServer
  let api: Client
  let access: string
  const clock = createTestClock(midStep())

  before(async () => {
    server = await startServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: 'http://localhost:1' }, { clock: clock.now })
    api = client(server.base)
    const user = await registerAndActivate(server)
    access = (await login(api, user.email, user.password)).access
  })
  after(async () => { await server.close() })

  it('When a passkey login or registration gets garbage, then 401 / 400 with the contract\'s message', async () => {
    for (const credential of GARBAGE) {
      const loginRes = await api.post('/api/webauthn/login/verify/', { credential })
      assertNot500(loginRes)
      assert.equal(loginRes.status, 401, JSON.stringify(credential).slice(0, 80))
      assert.deepEqual(loginRes.body, { detail: 'Passkey not recognised.' })
      const registerRes = await api.post('/api/webauthn/register/verify/', { credential, name: 'x' }, { bearer: access })
      assert.equal(registerRes.status, 400, JSON.stringify(credential).slice(0, 80))
      assert.deepEqual(registerRes.body, { credential: ['Passkey registration failed.'] })
    }
    assert.deepEqual((await api.post('/api/webauthn/login/verify/', {})).body, { credential: ['This field is required.'] })
    assert.deepEqual((await api.post('/api/webauthn/login/verify/', { credential: null })).body, { credential: ['This field may not be null.'] })
    const tooLong = await api.post('/api/webauthn/register/verify/', { credential: {}, name: 'n'.repeat(101) }, { bearer: access })
    assert.deepEqual(tooLong.body, { name: ['Ensure this field has no more than 100 characters.'] })
    const oversized = await api.post('/api/webauthn/login/verify/', { credential: { id: 'A'.repeat(70_000) } })
    assert.equal(oversized.status, 413)
    assert.equal((await api.post('/api/webauthn/login/options/', { mfa_token: ['x'] })).status, 400)
    assert.equal((await api.post('/api/webauthn/login/options/', {})).status, 200)
  })

  it('When jwt/create/mfa/ gets malformed fields, then field errors; an unknown mfa_token is 401', async () => {
    const missing = await api.post('/api/jwt/create/mfa/', {})
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { mfa_token: ['This field is required.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: 'x' })).body,
      { non_field_errors: ['Give exactly one of code, recovery_code or webauthn.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: 'x', code: '123456', recovery_code: 'abcd-efgh' })).body,
      { non_field_errors: ['Give exactly one of code, recovery_code or webauthn.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: 'x', code: { digits: 1 } })).body, { code: ['Not a valid string.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: 'x', code: '1'.repeat(65) })).body,
      { code: ['Ensure this field has no more than 64 characters.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: ['x'], code: '123456' })).body, { mfa_token: ['Not a valid string.'] })
    for (const token of ['x', 'A'.repeat(43), 'A'.repeat(10_000), '../../etc']) {
      const res = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: '123456' })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, TOKEN_INVALID)
    }
  })

  it('When the factor is malformed or another user\'s, then 400 and one attempt used; the token still works for its owner', async () => {
    const alice = await enrolTotp(server, api, clock.now)
    const bob = await enrolTotp(server, api, clock.now)
    clock.advance(STEP_MS)
    const token = await mfaToken(api, alice.email, alice.password)
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(bob.secret, clock.now()) })).body, INVALID_CODE)
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: token, recovery_code: bob.recoveryCodes[0] })).body,
      { recovery_code: ['Invalid code.'] })
    const garbage = await api.post('/api/jwt/create/mfa/', { mfa_token: token, webauthn: GARBAGE[9] })
    assert.equal(garbage.status, 400)
    assert.deepEqual(garbage.body, { webauthn: ['Invalid code.'] })
    assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: 12345 })).body, INVALID_CODE)
    assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(alice.secret, clock.now()) }))
    // Bob's own token and code are untouched by Alice's failures.
    const bobToken = await mfaToken(api, bob.email, bob.password)
    assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: bobToken, code: codeAt(bob.secret, clock.now()) }))
  })

  it('When TOTP confirm has no pending setup or a code of the wrong shape, then 400 Invalid code', async () => {
    for (const code of ['123456', '12 34 56', '١٢٣٤٥٦', '-12345', '0x1234']) {
      const res = await api.post('/api/mfa/totp/confirm/', { code }, { bearer: access })
      assert.equal(res.status, 400, code)
      assert.deepEqual(res.body, INVALID_CODE)
    }
    assert.deepEqual((await api.post('/api/mfa/totp/confirm/', {}, { bearer: access })).body, { code: ['This field is required.'] })
    assert.deepEqual((await api.post('/api/mfa/totp/confirm/', { code: [] }, { bearer: access })).body, { code: ['Not a valid string.'] })
  })
})
