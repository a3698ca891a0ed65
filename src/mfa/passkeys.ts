import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server'
import { AppError } from '../platform/errors.ts'
import { asUniqueViolation } from '../platform/db.ts'
import type { MfaDeps } from './deps.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { MfaCore, MfaPrincipal } from './service.ts'
import type { CredentialRow } from './store.ts'
import { asRegistrationResponse, CHALLENGE_LIFETIME_MS, challengeOf } from './webauthn.ts'

// Passkey registration and management (API.md §12): resident key and user verification required, attestation
// `none`, the user's existing credentials excluded.

const REGISTRATION_FAILED = 'Passkey registration failed.'
const registrationFailed = () => AppError.fields({ credential: [REGISTRATION_FAILED] })

export type PasskeyView = CredentialRow & { recoveryCodes?: string[] }

export function createPasskeys(deps: MfaDeps, core: MfaCore) {
  const { db, store, webauthn } = deps
  const transportsOf = (c: CredentialRow) => (c.transports === '' ? undefined : c.transports.split(','))

  return {
    async registrationOptions(principal: MfaPrincipal) {
      const { user } = principal
      const existing = await store.listCredentials(user.id)
      const options = await generateRegistrationOptions({
        rpName: webauthn.rpName, rpID: webauthn.rpId, userName: user.email,
        userDisplayName: `${user.firstName} ${user.lastName}`.trim() || user.username,
        // The user handle names the account in a usernameless login; its id, never the email.
        userID: new TextEncoder().encode(`unilink-user-${user.id}`),
        attestationType: 'none',
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: transportsOf(c) })),
      })
      const expiresAt = deps.clock() + CHALLENGE_LIFETIME_MS
      await store.insertChallenge({ challenge: options.challenge, purpose: 'register', userId: user.id, mfaTokenHash: null, expiresAt })
      return options
    },

    /** Verifies a registration response against the caller's own live challenge; the new passkey (and codes if first). */
    async register(
      principal: MfaPrincipal, credential: unknown, name: string, context: RequestContext,
    ): Promise<{ passkey: CredentialRow; recoveryCodes: string[] }> {
      const { user } = principal
      const response = asRegistrationResponse(credential)
      const signed = response === null ? null : challengeOf(response)
      if (response === null || signed === null) throw registrationFailed()
      const now = deps.clock()
      // Taken in a transaction of its own, so a failed ceremony still uses its challenge up.
      const challenge = await db.transaction().execute((trx) => store.takeChallenge(trx, signed, now))
      if (challenge === undefined || challenge.purpose !== 'register' || challenge.userId !== user.id) throw registrationFailed()
      let info
      try {
        const result = await verifyRegistrationResponse({
          response, expectedChallenge: challenge.challenge, expectedOrigin: [...webauthn.origins], expectedRPID: webauthn.rpId,
          requireUserVerification: true,
        })
        if (!result.verified || !result.registrationInfo.userVerified) throw registrationFailed()
        info = result.registrationInfo
      } catch {
        throw registrationFailed()
      }
      const { credential: verified } = info
      try {
        const result = await db.transaction().execute(async (trx) => {
          const first = (await store.factorsOf(user.id, trx)).totp === false && (await store.listCredentials(user.id, trx)).length === 0
          const passkey = await store.insertCredential(trx, {
            userId: user.id, credentialId: verified.id, publicKey: Buffer.from(verified.publicKey).toString('base64url'),
            counter: verified.counter, transports: (verified.transports ?? []).join(','), deviceType: info.credentialDeviceType,
            backedUp: info.credentialBackedUp ? 1 : 0, name, createdAt: now, lastUsedAt: null,
          })
          const recoveryCodes = first ? await core.issueRecoveryCodes(trx, user.id) : []
          await core.factorsChanged(trx, principal, { kind: 'passkey_added', name }, now)
          await deps.audit.record(trx, {
            type: 'passkey.added', context, userId: user.id, universityId: user.universityId, data: { credential_id: passkey.id, name },
          })
          return { passkey, recoveryCodes }
        })
        deps.wakeMailer()
        return result
      } catch (error) {
        // The same authenticator registered twice (excludeCredentials ignored by the client).
        if (asUniqueViolation(error) !== null) throw registrationFailed()
        throw error
      }
    },

    list: (principal: MfaPrincipal) => store.listCredentials(principal.user.id),

    async rename(principal: MfaPrincipal, id: number, name: string): Promise<CredentialRow> {
      const renamed = await store.renameCredential(id, principal.user.id, name)
      if (renamed === undefined) throw AppError.notFound()
      return renamed
    },

    /** Another user's or an unknown id is "not found", before the password is checked: ids are not confirmed to exist. */
    async remove(principal: MfaPrincipal, id: number, currentPassword: string, context: RequestContext): Promise<void> {
      const { user } = principal
      const passkey = await store.findCredentialOfUser(id, user.id)
      if (passkey === undefined) throw AppError.notFound()
      await core.checkPassword(user, currentPassword)
      const removed = await db.transaction().execute(async (trx) => {
        if (!await store.deleteCredential(trx, id, user.id)) return false
        const now = deps.clock()
        await core.dropCodesIfNoFactor(trx, user.id)
        await core.factorsChanged(trx, principal, { kind: 'passkey_removed', name: passkey.name }, now)
        await deps.audit.record(trx, {
          type: 'passkey.removed', context, userId: user.id, universityId: user.universityId, data: { credential_id: id, name: passkey.name },
        })
        return true
      })
      if (!removed) throw AppError.notFound()
      deps.wakeMailer()
    },
  }
}

export type Passkeys = ReturnType<typeof createPasskeys>
