import QRCode from 'qrcode'
import { AppError } from '../platform/errors.ts'
import type { Db } from '../platform/db.ts'
import type { User } from '../accounts/user.ts'
import type { MfaDeps } from './deps.ts'
import { securityChangedEmail } from './emails.ts'
import type { SecurityChange } from './emails.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import { matchingStep, newTotpSecret, otpauthUrl } from './totp.ts'

/** The caller of an enrolment route: its user, and the session and methods of its token (tokens' Principal fits). */
export type MfaPrincipal = { user: User; claims: { sid?: string; amr?: string[] } }

export const INVALID_CODE = 'Invalid code.'
const ALREADY_ENABLED = 'Two-factor authentication is already enabled.'
const NOT_ENABLED = 'Two-factor authentication is not enabled.'

/** Which second factor a code is: TOTP (six digits) or a recovery code, tried in that order. */
export type CodeKind = 'totp' | 'recovery_code'

/** The shared pieces of API.md §12's stories: password and code checks, and what every change of factors does. */
export function createMfaCore(deps: MfaDeps) {
  const { store, secrets } = deps

  async function checkPassword(user: User, password: string): Promise<void> {
    if (!await deps.hasher.verify(password, user.password)) throw AppError.fields({ current_password: ['Invalid password.'] })
  }

  /**
   * Spends a TOTP code of the user's confirmed authenticator inside `trx`: true when it matched a step not used yet.
   */
  async function useTotp(trx: Db, user: User, code: string): Promise<boolean> {
    const totp = await store.findTotp(user.id, trx)
    if (totp === undefined || totp.confirmedAt === null) return false
    const now = deps.clock()
    const step = matchingStep(secrets.decryptTotpSecret(user.id, totp.secret), code, now)
    return step !== null && store.useTotpStep(trx, user.id, step, true, now)
  }

  /** Spends a recovery code inside `trx`, mails the user and records the event; false when it is no unused code of theirs. */
  async function useRecoveryCode(trx: Db, user: User, code: string, context: RequestContext): Promise<boolean> {
    const now = deps.clock()
    if (code.length > 64 || !await store.useRecoveryCode(trx, user.id, secrets.hashRecoveryCode(code), now)) return false
    const left = await store.recoveryCodesLeft(user.id, trx)
    await deps.outbox.enqueue(trx, securityChangedEmail(deps.site, user.email, user.username, { kind: 'recovery_code_used', left }), Date.now())
    await deps.audit.record(trx, { type: 'recovery_code.used', context, userId: user.id, universityId: user.universityId, data: { remaining: left } })
    return true
  }

  /** A TOTP code or a recovery code; which one it was, or null. */
  async function useAnyCode(trx: Db, user: User, code: string, context: RequestContext): Promise<CodeKind | null> {
    if (await useTotp(trx, user, code)) return 'totp'
    return (await useRecoveryCode(trx, user, code, context)) ? 'recovery_code' : null
  }

  /** Ten new recovery codes replace the user's; the plain codes, to be shown once. */
  async function issueRecoveryCodes(trx: Db, userId: number): Promise<string[]> {
    const codes = secrets.newRecoveryCodes()
    await store.replaceRecoveryCodes(trx, userId, codes.map(secrets.hashRecoveryCode))
    return codes
  }

  /** What every enrolment and removal does (API.md §12): the mail, and the end of the user's other sessions. */
  async function factorsChanged(trx: Db, principal: MfaPrincipal, change: SecurityChange, now: number): Promise<void> {
    const { user } = principal
    await deps.outbox.enqueue(trx, securityChangedEmail(deps.site, user.email, user.username, change), Date.now())
    await deps.revokeOtherSessions(trx, user.id, principal.claims.sid, now)
  }

  /** After a factor was removed: with none left, the recovery codes go too (they recover nothing). */
  async function dropCodesIfNoFactor(trx: Db, userId: number): Promise<void> {
    const left = await store.factorsOf(userId, trx)
    if (!left.totp && left.passkeys === 0) await store.deleteRecoveryCodes(trx, userId)
  }

  return { checkPassword, useTotp, useRecoveryCode, useAnyCode, issueRecoveryCodes, factorsChanged, dropCodesIfNoFactor }
}

export type MfaCore = ReturnType<typeof createMfaCore>

/** GET /api/mfa/ and the TOTP and recovery-code routes of API.md §12. */
export function createMfaService(deps: MfaDeps, core: MfaCore) {
  const { db, store, secrets } = deps

  async function hasMfa(userId: number): Promise<boolean> {
    const factors = await store.factorsOf(userId)
    return factors.totp || factors.passkeys > 0
  }

  async function enrolment(user: User, secret: string) {
    const url = otpauthUrl(deps.site.siteName, user.email, secret)
    return { secret, otpauth_url: url, qr_svg: await QRCode.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) }
  }

  return {
    hasMfa,

    async status(user: User) {
      const [factors, left] = await Promise.all([store.factorsOf(user.id), store.recoveryCodesLeft(user.id)])
      return {
        enabled: factors.totp || factors.passkeys > 0, totp: factors.totp, passkeys: factors.passkeys,
        recovery_codes_left: left, required: deps.mfaRequiredUserTypes.includes(user.userType),
      }
    },

    /** MFA_REQUIRED_USER_TYPES (API.md §12): a role-gated route of §8 refuses such a user until they enrol. */
    async assertEnrolledIfRequired(user: User): Promise<void> {
      if (!deps.mfaRequiredUserTypes.includes(user.userType) || await hasMfa(user.id)) return
      throw new AppError(403, 'MFA_SETUP_REQUIRED', { detail: 'Two-factor authentication must be set up for this account.', code: 'mfa_setup_required' })
    },

    async setupTotp(user: User, currentPassword: string) {
      await core.checkPassword(user, currentPassword)
      const secret = newTotpSecret()
      const saved = await db.transaction().execute((trx) =>
        store.savePendingTotp(trx, user.id, secrets.encryptTotpSecret(user.id, secret), deps.clock()))
      if (!saved) throw AppError.nonField(ALREADY_ENABLED)
      return enrolment(user, secret)
    },

    /**
     * The setup answer for a secret the caller already holds: /account/ shows the QR code again when the confirming
     * code was wrong (the page carries the secret it showed; the stored pending secret is never read back out).
     */
    enrolment,

    /** Confirms the pending setup with its first code; recovery codes when this is the user's first factor. */
    async confirmTotp(principal: MfaPrincipal, code: string, context: RequestContext): Promise<string[]> {
      const { user } = principal
      const totp = await store.findTotp(user.id)
      const now = deps.clock()
      const step = totp === undefined || totp.confirmedAt !== null ? null : matchingStep(secrets.decryptTotpSecret(user.id, totp.secret), code, now)
      if (step === null) throw AppError.fields({ code: [INVALID_CODE] })
      const codes = await db.transaction().execute(async (trx) => {
        const first = (await store.factorsOf(user.id, trx)).passkeys === 0
        if (!await store.useTotpStep(trx, user.id, step, false, now)) return null
        const issued = first ? await core.issueRecoveryCodes(trx, user.id) : []
        await core.factorsChanged(trx, principal, { kind: 'totp_enabled' }, now)
        await deps.audit.record(trx, { type: 'mfa.enabled', context, userId: user.id, universityId: user.universityId, data: { method: 'totp' } })
        return issued
      })
      if (codes === null) throw AppError.fields({ code: [INVALID_CODE] })
      deps.wakeMailer()
      return codes
    },

    async disableTotp(principal: MfaPrincipal, currentPassword: string, code: string, context: RequestContext): Promise<void> {
      const { user } = principal
      await core.checkPassword(user, currentPassword)
      const totp = await store.findTotp(user.id)
      if (totp === undefined || totp.confirmedAt === null) throw AppError.nonField(NOT_ENABLED)
      const done = await db.transaction().execute(async (trx) => {
        if (await core.useAnyCode(trx, user, code, context) === null) return false
        const now = deps.clock()
        await store.deleteTotp(trx, user.id)
        await core.dropCodesIfNoFactor(trx, user.id)
        await core.factorsChanged(trx, principal, { kind: 'totp_disabled' }, now)
        await deps.audit.record(trx, {
          type: 'mfa.disabled', context, userId: user.id, universityId: user.universityId, data: { method: 'totp', via: 'self' },
        })
        return true
      })
      if (!done) throw AppError.fields({ code: [INVALID_CODE] })
      deps.wakeMailer()
    },

    /** A session that signed in with a second factor needs no code; a password-only one does (API.md §12). */
    async regenerateRecoveryCodes(principal: MfaPrincipal, currentPassword: string, code: string | undefined, context: RequestContext): Promise<string[]> {
      const { user } = principal
      const amr = principal.claims.amr ?? ['pwd']
      const needsCode = amr.every((method) => method === 'pwd')
      if (needsCode && code === undefined) throw AppError.fields({ code: ['This field is required.'] })
      await core.checkPassword(user, currentPassword)
      if (!await hasMfa(user.id)) throw AppError.nonField(NOT_ENABLED)
      const codes = await db.transaction().execute(async (trx) => {
        if (needsCode && await core.useAnyCode(trx, user, code ?? '', context) === null) return null
        const issued = await core.issueRecoveryCodes(trx, user.id)
        await deps.outbox.enqueue(trx, securityChangedEmail(deps.site, user.email, user.username, { kind: 'recovery_codes_regenerated' }), Date.now())
        // No event: API.md §13 has no type for new recovery codes, and none of its types means this (the factors stay
        // the same). A recovery code spent as the code here is recorded, as `recovery_code.used`, by useAnyCode.
        return issued
      })
      if (codes === null) throw AppError.fields({ code: [INVALID_CODE] })
      deps.wakeMailer()
      return codes
    },
  }
}

export type MfaService = ReturnType<typeof createMfaService>
