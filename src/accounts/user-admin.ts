import { AppError } from '../platform/errors.ts'
import { changeCredentials } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import type { UserSearch, UserSearchResult } from './store.ts'

/** The shortest search text the admin console's user search applies. */
export const MIN_SEARCH_TEXT = 3
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

const USER_TYPES = new Set<number>(Object.values(USER_TYPE))

/**
 * What a site admin does to other accounts from the admin pages (API.md §14). The rules are the CLI's
 * (operator-accounts.ts): deactivation ends every session and token of the user (API.md §11). An admin cannot lock
 * themself out: their own account is neither deactivated nor demoted here (another site admin, or the CLI, can).
 * Each change records its audit event (API.md §13) in its transaction, `via: 'admin'`, the admin as actor.
 */
export function createUserAdmin(deps: AccountDeps) {
  const { db, store } = deps

  async function other(admin: User, userId: number): Promise<User> {
    const user = await store.findById(userId)
    if (user === undefined) throw AppError.notFound()
    if (user.id === admin.id) throw AppError.nonField('You cannot change your own account here.')
    return user
  }

  return {
    /**
     * A search text shorter than MIN_SEARCH_TEXT is not applied (`textTooShort` says so): no index can serve one or two
     * characters (the trigram indexes of migration 0010), and a scan of every user per keystroke is what they replace.
     */
    async searchUsers(filter: UserSearch): Promise<UserSearchResult & { textTooShort: boolean }> {
      const text = filter.text?.trim() ?? ''
      const textTooShort = text !== '' && [...text].length < MIN_SEARCH_TEXT
      const found = await store.search({ ...filter, text: textTooShort || text === '' ? undefined : text })
      return { ...found, textTooShort }
    },

    /** The admin dashboard's counts: users of each type (every type of USER_TYPE, 0 where none) and inactive ones. */
    async countUsers(): Promise<{ byType: Record<number, number>; total: number; inactive: number }> {
      const rows = await store.countByType()
      const byType: Record<number, number> = Object.fromEntries([...USER_TYPES].map((t) => [t, 0]))
      for (const row of rows) byType[row.userType] = row.total
      return { byType, total: rows.reduce((n, r) => n + r.total, 0), inactive: rows.reduce((n, r) => n + r.inactive, 0) }
    },

    async setUserActive(admin: User, userId: number, active: boolean, context: RequestContext): Promise<User> {
      const user = await other(admin, userId)
      if (user.isActive === active) return user
      const about = { context, userId: user.id, universityId: user.universityId }
      await db.transaction().execute(async (trx) => {
        if (active) {
          await store.update(trx, user.id, { isActive: true })
          await deps.audit.record(trx, { ...about, type: 'user.activated', data: { via: 'admin' } })
        } else {
          await changeCredentials(deps, trx, user.id, { isActive: false })
          await deps.audit.record(trx, { ...about, type: 'user.updated', data: { fields: ['is_active'], via: 'admin' } })
        }
      })
      return { ...user, isActive: active }
    },

    async setUserType(admin: User, userId: number, userType: number, context: RequestContext): Promise<User> {
      if (!USER_TYPES.has(userType)) throw AppError.fields({ user_type: [`"${userType}" is not a valid choice.`] })
      const user = await other(admin, userId)
      if (user.userType === userType) return user
      await db.transaction().execute(async (trx) => {
        await store.update(trx, user.id, { userType })
        await deps.audit.record(trx, {
          type: 'user.updated', context, userId: user.id, universityId: user.universityId, data: { fields: ['user_type'], via: 'admin' },
        })
      })
      return { ...user, userType }
    },
  }
}
