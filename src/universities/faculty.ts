import { USER_TYPE } from '../accounts/user.ts'
import type { User } from '../accounts/user.ts'
import { AppError } from '../platform/errors.ts'
import type { UniversityDeps } from './deps.ts'
import { facultyAccountEmail } from './emails.ts'
import { managedUniversity } from './managed-university.ts'
import type { FacultyBody } from './schemas.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/** The original's answer to a taken name: `400 {"status": "error", "message": "..."}` (API.md §8). */
function nameTaken(field: 'email' | 'username'): AppError {
  return new AppError(400, 'VALIDATION_FAILED', { status: 'error', message: `User with this ${field} already exists` })
}

/** A duplicate caught by the database (a concurrent request) gets the same answer as one caught before. */
function asNameTaken(error: unknown): unknown {
  if (!(error instanceof AppError) || error.code !== 'VALIDATION_FAILED') return error
  return nameTaken('email' in error.body ? 'email' : 'username')
}

/** Faculty accounts, managed by their university's admin or moderators; never another university's users. */
export function createFaculty(deps: UniversityDeps) {
  const { db, store, accounts, outbox, site, audit } = deps

  /** A faculty member of the manager's university, or 404: another university's users look like they do not exist. */
  async function facultyOf(manager: User, facultyId: number): Promise<User> {
    const university = await managedUniversity(store, manager)
    const user = await accounts.findUser(facultyId)
    if (user === undefined || user.universityId !== university.id || user.userType !== USER_TYPE.FACULTY) throw AppError.notFound()
    return user
  }

  return {
    async listFaculty(manager: User): Promise<User[]> {
      const university = await managedUniversity(store, manager)
      return accounts.listUniversityMembers(university.id, USER_TYPE.FACULTY)
    },

    /**
     * An active faculty account of the manager's university, mailed a set-password link in the same transaction.
     * Its role is always faculty, whatever the body says: a manager cannot create anyone more privileged.
     */
    async addFaculty(manager: User, body: FacultyBody, context: RequestContext): Promise<void> {
      const university = await managedUniversity(store, manager)
      const taken = await accounts.takenNameErrors({ email: body.email, username: body.username })
      if (taken.email !== undefined) throw nameTaken('email')
      if (taken.username !== undefined) throw nameTaken('username')
      try {
        await db.transaction().execute(async (trx) => {
          const user = await accounts.createAccountWithoutPassword(trx, {
            firstName: body.first_name, lastName: body.last_name, username: body.username, email: body.email,
            universityId: university.id, userType: USER_TYPE.FACULTY, isActive: true,
          })
          await outbox.enqueue(trx, facultyAccountEmail(site, user, university.name, accounts.setPasswordPath(user)), Date.now())
          const about = { context, userId: user.id, universityId: university.id }
          await audit.record(trx, { type: 'faculty.added', ...about, data: { email: user.email, username: user.username } })
          await audit.record(trx, {
            type: 'user.registered', ...about, data: { via: 'faculty', email: user.email, username: user.username, user_type: user.userType },
          })
        })
      } catch (error) {
        throw asNameTaken(error)
      }
      deps.wakeMailer()
    },

    async removeFaculty(manager: User, facultyId: number, context: RequestContext): Promise<void> {
      const user = await facultyOf(manager, facultyId)
      await db.transaction().execute(async (trx) => {
        await accounts.deleteAccount(trx, user.id)
        const about = { context, userId: user.id, universityId: user.universityId, data: { email: user.email } }
        await audit.record(trx, { type: 'faculty.removed', ...about })
        await audit.record(trx, { type: 'user.deleted', ...about, data: { via: 'faculty_removed', email: user.email } })
      })
    },
  }
}
