import { Secret, TOTP } from 'otpauth'

// RFC 6238 as API.md §12 fixes it: SHA-1, 6 digits, 30-second steps, the previous and next step accepted.
const PERIOD = 30
const DIGITS = 6
const WINDOW = 1
const SIX_DIGITS = /^\d{6}$/

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32
}

/**
 * The provisioning URL in the contract's order (`secret`, `issuer`, `algorithm`, `digits`, `period`); otpauth's own
 * toString() puts `issuer` first. Authenticator apps read either; the contract names this one.
 */
export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=${DIGITS}&period=${PERIOD}`
}

/** The time step a code belongs to (within ±1 step of `nowMs`), or null when it is no code of this secret now. */
export function matchingStep(secret: string, code: string, nowMs: number): number | null {
  if (!SIX_DIGITS.test(code)) return null
  const totp = new TOTP({ algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) })
  const delta = totp.validate({ token: code, timestamp: nowMs, window: WINDOW })
  return delta === null ? null : Math.floor(nowMs / 1000 / PERIOD) + delta
}

/** For tests and the bench: the code of `secret` at `atMs`. */
export function totpCode(secret: string, atMs: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) }).generate({ timestamp: atMs })
}
