import type { Db } from '../platform/db.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import { createAccountStore } from './store.ts'
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'

export type SiteAdminInput = { email: string; username: string; firstName: string; lastName: string; password: string }

/** Why a site admin cannot be created as asked; the CLI prints it as it is. */
export class SiteAdminConflict extends Error {}

/** Django's createsuperuser: an active site admin (user_type 0, staff, superuser). Refuses duplicates by name. */
export async function createSiteAdmin(db: Db, hasher: PasswordHasher, input: SiteAdminInput): Promise<User> {
  const store = createAccountStore(db)
  const email = input.email.trim().toLowerCase()
  const username = input.username.trim().toLowerCase()
  if (await store.emailTaken(email)) throw new SiteAdminConflict(`A user with the email ${email} already exists.`)
  if (await store.usernameTaken(username)) throw new SiteAdminConflict(`A user with the username ${username} already exists.`)
  const password = await hasher.hash(input.password)
  return db.transaction().execute((trx) => store.createUserRecord(trx, {
    email, username, firstName: input.firstName, lastName: input.lastName, password,
    userType: USER_TYPE.SITE_ADMIN, isActive: true, isStaff: true, isSuperuser: true,
  }, Date.now()))
}
