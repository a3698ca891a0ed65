import assert from 'node:assert/strict'
import { Secret, TOTP } from 'otpauth'
import { login, registerAndActivate } from './flows.ts'
import type { Client, Reply } from './http.ts'
import type { TestServer } from './server.ts'

// The second-factor stories of API.md §12 through the API. Codes come from otpauth, the authenticator app's side,
// not from the service's own module.

export const STEP_MS = 30_000
export const SECURITY_SUBJECT = 'Security settings changed on UniLink'

/** The RFC 6238 code of `secret` at `atMs`. */
export function codeAt(secret: string, atMs: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs })
}

/** The middle of the current 30-second step: moving the clock by whole steps keeps codes away from a step's edge. */
export function midStep(now = Date.now()): number {
  return Math.floor(now / STEP_MS) * STEP_MS + STEP_MS / 2
}

export type Enrolled = Awaited<ReturnType<typeof registerAndActivate>> & { access: string; secret: string; recoveryCodes: string[] }

/** A user who set up TOTP: confirmed with the code of `now()`, their session's access token and recovery codes. */
export async function enrolTotp(server: TestServer, api: Client, now: () => number): Promise<Enrolled> {
  const user = await registerAndActivate(server)
  const { access } = await login(api, user.email, user.password)
  const setup = await api.post('/api/mfa/totp/setup/', { current_password: user.password }, { bearer: access })
  assert.equal(setup.status, 200, setup.text)
  const { secret } = setup.body as { secret: string }
  const confirmed = await api.post('/api/mfa/totp/confirm/', { code: codeAt(secret, now()) }, { bearer: access })
  assert.equal(confirmed.status, 200, confirmed.text)
  return { ...user, access, secret, recoveryCodes: (confirmed.body as { recovery_codes: string[] }).recovery_codes }
}

/** POST /api/jwt/create/ for a user with MFA: the mfa_token of its `mfa_required` answer. */
export async function mfaToken(api: Client, email: string, password: string): Promise<string> {
  const res = await api.post('/api/jwt/create/', { email, password })
  assert.equal(res.status, 401, res.text)
  const body = res.body as { code: string; mfa_token: string }
  assert.equal(body.code, 'mfa_required')
  return body.mfa_token
}

/** The claims of a JWT, read without checking it. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
}

export const INVALID_CODE = { code: ['Invalid code.'] }
export const TOKEN_INVALID = { detail: 'Token is invalid or expired', code: 'mfa_token_invalid' }

export function assertTokenPair(res: Reply): { access: string; refresh: string } {
  assert.equal(res.status, 200, res.text)
  const body = res.body as { access: string; refresh: string }
  assert.deepEqual(Object.keys(body).sort(), ['access', 'refresh'])
  assert.equal(res.cookies.access, body.access)
  assert.equal(res.cookies.refresh, body.refresh)
  return body
}
