import { AppError } from '../platform/errors.ts'
import type { User } from '../accounts/user.ts'
import type { MfaDeps } from './deps.ts'
import type { MfaCore } from './service.ts'
import { INVALID_CODE } from './service.ts'
import { hashOpaqueToken, newOpaqueToken } from './secrets.ts'
import type { Ceremonies } from './webauthn.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { LoginMethod } from '../tokens/service.ts'

// The two-step login of API.md §12: jwt/create answers `mfa_required` with an mfa_token; jwt/create/mfa/ (or a
// passkey) finishes it. The token is opaque and random, stored hashed, lives 5 minutes, allows 5 attempts, works
// once, and is bound to its user and to the password check that produced it.

const MFA_TOKEN_LIFETIME_MS = 5 * 60 * 1000
const MFA_TOKEN_ATTEMPTS = 5
const MAX_TOKEN_LENGTH = 200

export const AMR = {
  totp: ['pwd', 'otp'], recoveryCode: ['pwd', 'otp'], passkeyAfterPassword: ['pwd', 'hwk', 'user'], passkey: ['hwk', 'user'],
} as const satisfies Record<string, readonly string[]>

function mfaTokenInvalid(): AppError {
  return new AppError(401, 'MFA_TOKEN_INVALID', { detail: 'Token is invalid or expired', code: 'mfa_token_invalid' }, {
    headers: { 'www-authenticate': 'Bearer realm="api"' },
  })
}

export function passkeyNotRecognised(): AppError {
  return new AppError(401, 'PASSKEY_NOT_RECOGNISED', { detail: 'Passkey not recognised.' }, { headers: { 'www-authenticate': 'Bearer realm="api"' } })
}

/** A finished second-factor login: whom, the new session's `amr`, and the method its `login.succeeded` names. */
export type SecondFactorLogin = { user: User; amr: readonly string[]; method: LoginMethod }

export type SecondStep = { mfa_token: string } & ({ code: string } | { recovery_code: string } | { webauthn: unknown })

export function createMfaLogin(deps: MfaDeps, core: MfaCore, ceremonies: Ceremonies) {
  const { db, store } = deps

  /** The user of a live mfa_token, spending nothing (for the passkey options and the per-account rate limit). */
  async function liveUser(mfaToken: unknown): Promise<{ userId: number; mfaTokenHash: string } | null> {
    if (typeof mfaToken !== 'string' || mfaToken.length > MAX_TOKEN_LENGTH) return null
    const mfaTokenHash = hashOpaqueToken(mfaToken)
    const row = await store.liveMfaToken(mfaTokenHash, deps.clock())
    return row === undefined ? null : { userId: row.userId, mfaTokenHash }
  }

  return {
    liveUser,

    /** After a right password: nothing for a user without MFA; otherwise the `mfa_required` 401 with a new mfa_token. */
    async challengeAfterPassword(user: User): Promise<void> {
      const factors = await store.factorsOf(user.id)
      if (!factors.totp && factors.passkeys === 0) return
      const { token, hash } = newOpaqueToken()
      await store.insertMfaToken({
        tokenHash: hash, userId: user.id, passwordStamp: deps.secrets.passwordStamp(user), attemptsLeft: MFA_TOKEN_ATTEMPTS,
        expiresAt: deps.clock() + MFA_TOKEN_LIFETIME_MS,
      })
      const codesLeft = await store.recoveryCodesLeft(user.id)
      const methods = [...(factors.totp ? ['totp'] : []), ...(factors.passkeys > 0 ? ['webauthn'] : []), ...(codesLeft > 0 ? ['recovery_code'] : [])]
      throw new AppError(401, 'MFA_REQUIRED', {
        detail: 'Two-factor authentication required.', code: 'mfa_required', mfa_token: token, methods,
      }, { headers: { 'www-authenticate': 'Bearer realm="api"' } })
    },

    /** POST /api/webauthn/login/options/ with `{}`: a usernameless login's challenge. */
    passkeyOptions: () => ceremonies.loginOptions(null),

    /** POST /api/webauthn/login/options/ with an mfa_token: a challenge bound to it, listing that user's passkeys. */
    async passkeyOptionsFor(mfaToken: unknown) {
      const live = await liveUser(mfaToken)
      if (live === null) throw mfaTokenInvalid()
      return ceremonies.loginOptions(live)
    },

    /**
     * POST /api/jwt/create/mfa/: in one transaction, an attempt of the token is spent, the factor checked and, when it
     * holds, the token used up; a wrong factor commits the spent attempt. The user and the new session's `amr`.
     */
    async finish(body: SecondStep, context: RequestContext): Promise<SecondFactorLogin> {
      const now = deps.clock()
      const mfaTokenHash = body.mfa_token.length > MAX_TOKEN_LENGTH ? '' : hashOpaqueToken(body.mfa_token)
      // The user is read before the transaction: on SQLite a read through another store inside it would wait for it.
      const live = await store.liveMfaToken(mfaTokenHash, now)
      const user = live === undefined ? undefined : await deps.findActiveUser(live.userId)
      if (user === undefined || deps.secrets.passwordStamp(user) !== live?.passwordStamp) throw mfaTokenInvalid()
      const method = 'code' in body ? 'totp' : 'recovery_code' in body ? 'recovery_code' : 'webauthn'
      const loginMethod: LoginMethod = method === 'webauthn' ? 'passkey' : method
      const outcome = await db.transaction().execute(async (trx) => {
        if (await store.spendMfaAttempt(trx, mfaTokenHash, now) === undefined) return 'invalid'
        let ok: boolean
        if ('code' in body) ok = await core.useTotp(trx, user, body.code)
        else if ('recovery_code' in body) ok = await core.useRecoveryCode(trx, user, body.recovery_code, context)
        else ok = await ceremonies.verifyAssertion(trx, body.webauthn, { userId: user.id, mfaTokenHash }) !== null
        if (!ok) {
          await deps.audit.record(trx, {
            type: 'login.failed', context, userId: user.id, universityId: user.universityId, data: { reason: 'mfa_failed', method: loginMethod },
          })
          return 'wrong'
        }
        // Used up before the session opens: of two requests with the token, one logs in (the other rolls back).
        if (!await store.finishMfaToken(trx, mfaTokenHash, now)) throw mfaTokenInvalid()
        const amr = method === 'webauthn' ? AMR.passkeyAfterPassword : method === 'totp' ? AMR.totp : AMR.recoveryCode
        // Its `login.succeeded` is recorded with the session it opens (tokens' login), not here: one event per login.
        return amr
      })
      // Thrown after the commit: the spent attempt, and the challenge of a failed passkey attempt, stay spent.
      if (outcome === 'invalid') throw mfaTokenInvalid()
      if (outcome === 'wrong') throw AppError.fields({ [method === 'totp' ? 'code' : method]: [INVALID_CODE] })
      if (method === 'recovery_code') deps.wakeMailer()
      return { user, amr: outcome, method: loginMethod }
    },

    /** POST /api/webauthn/login/verify/: a usernameless passkey login, both factors at once. */
    async passkeyLogin(credential: unknown): Promise<SecondFactorLogin> {
      const verified = await db.transaction().execute((trx) => ceremonies.verifyAssertion(trx, credential, null))
      // Read after the commit: on SQLite a read through another store inside the transaction would wait for it.
      const user = verified === null ? undefined : await deps.findActiveUser(verified.credential.userId)
      if (user === undefined) throw passkeyNotRecognised()
      // Its `login.succeeded` is recorded with the session it opens (tokens' login).
      return { user, amr: AMR.passkey, method: 'passkey' }
    },
  }
}

export type MfaLogin = ReturnType<typeof createMfaLogin>
