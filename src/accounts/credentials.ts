import { AppError } from '../platform/errors.ts'
import type { AccountDeps } from './deps.ts'
import type { User } from './user.ts'
import type { LoginFailureReason } from '../audit/event-types.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/**
 * Link tokens hash last_login to the whole second (Django's format, kept so old links stay valid), so a second
 * login within the same second would leave a reset link alive; API.md §4 says any login kills it. Such a login is
 * recorded at the next second instead.
 */
function loginTimeAfter(previous: number | null, now: number): number {
  return previous === null ? now : Math.max(now, (Math.floor(previous / 1000) + 1) * 1000)
}

export function createCredentials(deps: AccountDeps) {
  const { db, store, hasher } = deps
  return {
    /**
     * SimpleJWT's TokenObtainPairSerializer: unknown email, wrong password and inactive account give the same
     * answer, and cost the same time (a dummy verification for unknown emails): prevents account enumeration.
     */
    async checkCredentials(email: string, password: string, context: RequestContext): Promise<User> {
      const refuse = async (reason: LoginFailureReason, user: User | undefined): Promise<never> => {
        await deps.audit.record(db, {
          type: 'login.failed', context, userId: user?.id ?? null, universityId: user?.universityId ?? null, data: { reason, email, method: 'password' },
        })
        throw AppError.invalidCredentials()
      }
      const user = await store.findByEmail(email)
      if (user === undefined) {
        await hasher.verifyDummy(password)
        return refuse('bad_credentials', undefined)
      }
      // The log tells the two apart; the answer does not (account enumeration).
      if (!await hasher.verify(password, user.password)) return refuse('bad_credentials', user)
      if (!user.isActive) return refuse('inactive', user)
      const now = loginTimeAfter(user.lastLogin, Date.now())
      // A login updates last_login, which also invalidates outstanding password-reset links (Django's token).
      // An old or weaker hash is replaced while the plain password is at hand: one extra hash, this login only.
      const password2 = hasher.needsRehash(user.password) ? await hasher.hash(password) : undefined
      await store.update(db, user.id, { lastLogin: now, ...(password2 !== undefined ? { password: password2 } : {}) })
      return { ...user, lastLogin: now, password: password2 ?? user.password }
    },

    /** The user behind a token, if it still may act: exists and is active. */
    async findActiveUser(id: number): Promise<User | undefined> {
      const user = await store.findById(id)
      return user?.isActive ? user : undefined
    },
  }
}
