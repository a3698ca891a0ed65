import type { Db } from '../../src/platform/db.ts'
import { registerAndActivate } from './flows.ts'
import type { TestServer } from './server.ts'

// Fixture rows for the account tests, written straight to the test's own database so that a registration test does
// not depend on the whole university flow (which test/universities/ covers over HTTP).

let counter = 0

/** A university row; approved and not banned unless told otherwise. */
export async function insertUniversity(db: Db, opts: { approved?: boolean; banned?: boolean } = {}): Promise<number> {
  counter += 1
  const row = await db.insertInto('universities').values({
    name: `University ${counter}`, domain: `u${counter}.example.edu`, docUrl: '',
    isApproved: opts.approved === false ? 0 : 1, isBanned: opts.banned ? 1 : 0,
    createdAt: Date.now(), adminId: null,
  }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function insertDepartment(db: Db, universityId: number): Promise<number> {
  counter += 1
  const row = await db.insertInto('departments').values({ name: `Department ${counter}`, code: `D${counter}`, universityId })
    .returning('id').executeTakeFirstOrThrow()
  return row.id
}

/** Sets a user's role directly (API.md §4: 0 site admin … 5 student). */
export async function setUserType(db: Db, email: string, userType: number): Promise<void> {
  await db.updateTable('users').set({ userType }).where('email', '=', email.toLowerCase()).execute()
}

/** An active site admin (user_type 0), registered through the API and then promoted. */
export async function registerSiteAdmin(server: TestServer, overrides: Record<string, unknown> = {}) {
  const user = await registerAndActivate(server, overrides)
  await setUserType(server.db, user.email, 0)
  return user
}

export async function userIdOf(db: Db, email: string): Promise<number> {
  const row = await db.selectFrom('users').select('id').where('email', '=', email.toLowerCase()).executeTakeFirstOrThrow()
  return row.id
}
