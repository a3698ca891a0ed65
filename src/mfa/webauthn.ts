import { generateAuthenticationOptions, verifyAuthenticationResponse } from '@simplewebauthn/server'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import type { Db } from '../platform/db.ts'
import type { MfaDeps } from './deps.ts'
import type { ChallengeRow, CredentialRow } from './store.ts'

// The WebAuthn ceremonies through @simplewebauthn/server: the challenge is kept server-side and names its ceremony
// (the browser signs it inside clientDataJSON), so a response needs no other handle and works once.

export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000
const MAX_ID = 1400

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)
const isB64url = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && /^[A-Za-z0-9_-]+=*$/.test(value)

/**
 * The shape every response must have before the library sees it: anything else (garbage, a truncated object, wrong
 * types) is a failed ceremony, never an exception that reaches the client as a 500.
 */
function hasCredentialShape(value: unknown, parts: readonly string[]): value is { id: string; response: Record<string, string> } {
  if (!isObject(value) || value.type !== 'public-key' || !isB64url(value.id, MAX_ID) || !isB64url(value.rawId, MAX_ID)) return false
  const { response } = value
  return isObject(response) && parts.every((part) => isB64url(response[part], 48_000))
    && (value.clientExtensionResults === undefined || isObject(value.clientExtensionResults))
}

export function asRegistrationResponse(value: unknown): RegistrationResponseJSON | null {
  if (!hasCredentialShape(value, ['clientDataJSON', 'attestationObject'])) return null
  const transports = (value.response as Record<string, unknown>).transports
  const fine = (list: unknown[]) => list.length <= 10 && list.every((t) => typeof t === 'string' && t.length <= 20)
  if (transports !== undefined && !(Array.isArray(transports) && fine(transports))) return null
  return { clientExtensionResults: {}, ...value } as unknown as RegistrationResponseJSON
}

export function asAuthenticationResponse(value: unknown): AuthenticationResponseJSON | null {
  if (!hasCredentialShape(value, ['clientDataJSON', 'authenticatorData', 'signature'])) return null
  const { userHandle } = value.response as Record<string, unknown>
  if (userHandle !== undefined && userHandle !== null && !isB64url(userHandle, 128)) return null
  return { clientExtensionResults: {}, ...value } as unknown as AuthenticationResponseJSON
}

/** The challenge the browser signed, read from clientDataJSON; null when it is not there. */
export function challengeOf(response: { response: { clientDataJSON: string } }): string | null {
  try {
    const data: unknown = JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8'))
    return isObject(data) && isB64url(data.challenge, 100) ? data.challenge : null
  } catch {
    return null
  }
}

export type VerifiedAssertion = { credential: CredentialRow; challenge: ChallengeRow }

export function createCeremonies(deps: MfaDeps) {
  const { store, webauthn } = deps

  /** Options for navigator.credentials.get(); `binding` ties the challenge to an mfa_token (the second step of a login). */
  async function loginOptions(binding: { userId: number; mfaTokenHash: string } | null) {
    const allowed = binding === null ? [] : await store.listCredentials(binding.userId)
    const options = await generateAuthenticationOptions({
      rpID: webauthn.rpId, userVerification: 'required',
      allowCredentials: allowed.map((c) => ({ id: c.credentialId, transports: c.transports === '' ? undefined : c.transports.split(',') })),
    })
    await store.insertChallenge({
      challenge: options.challenge, purpose: 'login', userId: binding?.userId ?? null, mfaTokenHash: binding?.mfaTokenHash ?? null,
      expiresAt: deps.clock() + CHALLENGE_LIFETIME_MS,
    })
    return options
  }

  /**
   * Checks an assertion inside `trx`: a live login challenge of the same binding (consumed whatever the outcome), a
   * known credential (of `userId` when given), user verification, origin, RP ID, signature and counter; the new
   * counter is stored. Null for any failure.
   */
  async function verifyAssertion(trx: Db, value: unknown, binding: { userId: number; mfaTokenHash: string } | null): Promise<VerifiedAssertion | null> {
    const response = asAuthenticationResponse(value)
    const signed = response === null ? null : challengeOf(response)
    if (response === null || signed === null) return null
    const now = deps.clock()
    const challenge = await store.takeChallenge(trx, signed, now)
    if (challenge === undefined || challenge.purpose !== 'login' || challenge.mfaTokenHash !== (binding?.mfaTokenHash ?? null)) return null
    const credential = await store.findCredentialByCredentialId(response.id, trx)
    if (credential === undefined || (binding !== null && credential.userId !== binding.userId)) return null
    try {
      const result = await verifyAuthenticationResponse({
        response, expectedChallenge: challenge.challenge, expectedOrigin: [...webauthn.origins], expectedRPID: webauthn.rpId,
        requireUserVerification: true,
        credential: {
          id: credential.credentialId, publicKey: Buffer.from(credential.publicKey, 'base64url'), counter: credential.counter,
          transports: credential.transports === '' ? undefined : credential.transports.split(','),
        },
      })
      if (!result.verified || !result.authenticationInfo.userVerified) return null
      // Lost to a parallel use with the same counter: one of the two is a clone, and neither is let in twice.
      if (!await store.recordCredentialUse(trx, credential.id, credential.counter, result.authenticationInfo.newCounter, now)) return null
      return { credential, challenge }
    } catch {
      // The library throws for every way a response can be wrong (bad signature, origin, counter, CBOR, ...).
      return null
    }
  }

  return { loginOptions, verifyAssertion }
}

export type Ceremonies = ReturnType<typeof createCeremonies>
