import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { createTestClock } from '../helpers/clock.ts'
import { assertTokenPair, codeAt, enrolTotp, INVALID_CODE, midStep, mfaToken, STEP_MS } from '../helpers/mfa.ts'

// API.md §11/§12: mfa_account holds across mfa_tokens, so a new password login buys no new guesses; a success gives
// its attempt back; the right password of an MFA user does not use up the login's per-account allowance.

describe('Rate limits of the second factors (API.md §12)', () => {
  let server: TestServer
  let api: Client
  const clock = createTestClock(midStep())

  before(async () => {
    server = await startServer({
      RATE_LIMIT: 'on', RATE_LIMIT_MFA_ACCOUNT: '3/900', RATE_LIMIT_MFA_IP: '1000/60', RATE_LIMIT_LOGIN_IP: '1000/60',
      RATE_LIMIT_LOGIN_ACCOUNT_IP: '2/900', RATE_LIMIT_LOGIN_ACCOUNT: '1000/900', RATE_LIMIT_REGISTER_IP: '1000/60',
      RATE_LIMIT_ACTIVATION_IP: '1000/60',
    }, { clock: clock.now })
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When an account has used its wrong guesses, then a new mfa_token gets 429 too; the window passing lets it in', async () => {
    const user = await enrolTotp(server, api, clock.now)
    clock.advance(STEP_MS)
    // Right codes give their attempt back: any number of logins fit.
    for (let i = 0; i < 4; i++) {
      clock.advance(STEP_MS)
      const token = await mfaToken(api, user.email, user.password)
      assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(user.secret, clock.now()) }))
    }
    const token = await mfaToken(api, user.email, user.password)
    for (const code of ['000000', '111111', '222222']) assert.deepEqual((await api.post('/api/jwt/create/mfa/', { mfa_token: token, code })).body, INVALID_CODE)
    const throttled = await api.post('/api/jwt/create/mfa/', { mfa_token: token, code: codeAt(user.secret, clock.now()) })
    assert.equal(throttled.status, 429)
    assert.match(String((throttled.body as { detail: string }).detail), /^Request was throttled\. Expected available in \d+ seconds\.$/)
    assert.match(throttled.headers.get('retry-after') ?? '', /^\d+$/)
    const fresh = await mfaToken(api, user.email, user.password)
    assert.equal((await api.post('/api/jwt/create/mfa/', { mfa_token: fresh, code: codeAt(user.secret, clock.now()) })).status, 429)
    // The signed-in routes that check a code count against the same account.
    assert.equal((await api.post('/api/mfa/totp/disable/', { current_password: user.password, code: '000000' }, { bearer: user.access })).status, 429)

    clock.advance(5 * 60_000)
    const later = await mfaToken(api, user.email, user.password)
    assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: later, code: codeAt(user.secret, clock.now()) }))
  })
})
