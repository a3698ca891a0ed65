import { randomInt } from 'node:crypto'
import type { Db } from '../platform/db.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { encodeUid } from '../links/link-token.ts'
import { passwordResetPath } from '../links/site.ts'
import { changeCredentials } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { linkUser } from './link-checks.ts'
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'

const RANDOM_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** Django's set_unusable_password(): '!' and 40 random characters, which no password ever verifies against. */
function unusablePassword(): string {
  return `!${Array.from({ length: 40 }, () => RANDOM_CHARS[randomInt(RANDOM_CHARS.length)]).join('')}`
}

export type StaffAccountInput = {
  firstName: string
  lastName: string
  username: string
  email: string
  universityId: number
  userType: number
  isActive: boolean
}

/**
 * Accounts a university creates for someone else (its pending admin, its faculty, API.md §8). They have no usable
 * password: their owner chooses one through a mailed set-password link, so nobody else ever knows it.
 */
export function createStaffAccounts(deps: AccountDeps) {
  const { store } = deps
  return {
    /** Which of a new account's email and username are taken, in the words of registration's duplicate errors. */
    async takenNameErrors(fields: { email?: string; username?: string }): Promise<FieldErrors> {
      const errors: FieldErrors = {}
      if (fields.email !== undefined && await store.emailTaken(fields.email)) errors.email = [MESSAGES.emailTaken]
      if (fields.username !== undefined && await store.usernameTaken(fields.username)) {
        errors.username = [MESSAGES.usernameTaken]
      }
      return errors
    },

    async createAccountWithoutPassword(trx: Db, input: StaffAccountInput): Promise<User> {
      return store.createUserRecord(trx, { ...input, password: unusablePassword() }, Date.now())
    },

    /**
     * `nl/password-reset/{uid}/{token}` (PASSWORD_RESET_CONFIRM_URL): the same link as a password reset, so the same
     * page and POST /api/users/reset_password_confirm/ set the first password; it dies at the first login or password change.
     */
    setPasswordPath(user: User): string {
      return passwordResetPath(deps.site, encodeUid(user.id), deps.linkTokens.make(linkUser(user), 'password_reset'))
    },

    /** Approval (API.md §8, §10): the account becomes active, a university admin, and a member of that university. */
    async grantUniversityAdmin(trx: Db, userId: number, universityId: number): Promise<User | undefined> {
      await store.update(trx, userId, { isActive: true, userType: USER_TYPE.UNIVERSITY_ADMIN, universityId })
      return store.findById(userId, trx)
    },

    /** Disapproval: the account is deactivated (its role is kept) and every token it holds dies (API.md §11). */
    async deactivateAccount(trx: Db, userId: number): Promise<User | undefined> {
      await changeCredentials(deps, trx, userId, { isActive: false })
      return store.findById(userId, trx)
    },

    findUser: (id: number): Promise<User | undefined> => store.findById(id),
    findUsers: (ids: readonly number[]): Promise<User[]> => store.findByIds(ids),
    listUniversityMembers: (universityId: number, userType: number): Promise<User[]> => store.listOfUniversity(universityId, userType),

    /** Sessions and refresh tokens go with the row (ON DELETE CASCADE); access tokens die with the user lookup. */
    async deleteAccount(trx: Db, userId: number): Promise<void> {
      await store.delete(trx, userId)
    },
  }
}
