import type { Db } from '../platform/db.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import { createAccountStore } from './store.ts'
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'
import type { AuditRecorder } from '../audit/record.ts'
import { commandLineContext } from '../platform/http/request-context.ts'

export type SiteAdminInput = { email: string; username: string; firstName: string; lastName: string; password: string }

/** Why a site admin cannot be created as asked; the CLI prints it as it is. */
export class SiteAdminConflict extends Error {}

/**
 * Django's createsuperuser: an active site admin (user_type 0, staff, superuser). Refuses duplicates by name. With
 * `audit` (the CLI passes it) the new account is recorded as `user.registered` with its `admin.action` (API.md §13).
 */
export async function createSiteAdmin(db: Db, hasher: PasswordHasher, input: SiteAdminInput, audit?: AuditRecorder): Promise<User> {
  const store = createAccountStore(db)
  const email = input.email.trim().toLowerCase()
  const username = input.username.trim().toLowerCase()
  if (await store.emailTaken(email)) throw new SiteAdminConflict(`A user with the email ${email} already exists.`)
  if (await store.usernameTaken(username)) throw new SiteAdminConflict(`A user with the username ${username} already exists.`)
  const password = await hasher.hash(input.password)
  return db.transaction().execute(async (trx) => {
    const user = await store.createUserRecord(trx, {
      email, username, firstName: input.firstName, lastName: input.lastName, password,
      userType: USER_TYPE.SITE_ADMIN, isActive: true, isStaff: true, isSuperuser: true,
    }, Date.now())
    await audit?.record(trx, {
      type: 'user.registered', context: commandLineContext('createsuperuser'), userId: user.id,
      data: { via: 'createsuperuser', email: user.email, username: user.username, user_type: user.userType },
    })
    return user
  })
}
