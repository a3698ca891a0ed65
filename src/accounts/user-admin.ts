import { AppError } from '../platform/errors.ts'
import { changeCredentials } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import type { UserSearch } from './store.ts'
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'

const USER_TYPES = new Set<number>(Object.values(USER_TYPE))

/**
 * What a site admin does to other accounts from the admin pages (API.md §14). The rules are the CLI's
 * (operator-accounts.ts): deactivation ends every session and token of the user (API.md §11). An admin cannot lock
 * themself out: their own account is neither deactivated nor demoted here (another site admin, or the CLI, can).
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
    searchUsers: (filter: UserSearch): Promise<{ users: User[]; total: number }> => store.search(filter),

    async setUserActive(admin: User, userId: number, active: boolean): Promise<User> {
      const user = await other(admin, userId)
      if (user.isActive === active) return user
      await db.transaction().execute((trx) => (active
        ? store.update(trx, user.id, { isActive: true })
        : changeCredentials(deps, trx, user.id, { isActive: false })))
      return { ...user, isActive: active }
    },

    async setUserType(admin: User, userId: number, userType: number): Promise<User> {
      if (!USER_TYPES.has(userType)) throw AppError.fields({ user_type: [`"${userType}" is not a valid choice.`] })
      const user = await other(admin, userId)
      await store.update(db, user.id, { userType })
      return { ...user, userType }
    },
  }
}
