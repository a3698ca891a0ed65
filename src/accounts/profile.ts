import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { storedLengthErrors } from './schemas.ts'
import type { OptionalCurrentPasswordBody, ProfileBody, ShortUserPatchBody } from './schemas.ts'
import { USER_TYPE } from './user.ts'
import type { User, UserPatch } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

export const isSiteAdmin = (user: User): boolean => user.userType === USER_TYPE.SITE_ADMIN

export function createProfile(deps: AccountDeps) {
  const { db, store, universities } = deps

  async function nameErrors(user: User, body: Partial<ShortUserPatchBody>, errors: FieldErrors): Promise<void> {
    if (body.username !== undefined && await store.usernameTaken(body.username, user.id)) {
      errors.username = [MESSAGES.usernameTaken]
    }
    storedLengthErrors(body, errors)
  }

  function namePatch(body: Partial<ShortUserPatchBody>): UserPatch {
    return {
      ...(body.first_name !== undefined ? { firstName: body.first_name } : {}),
      ...(body.last_name !== undefined ? { lastName: body.last_name } : {}),
      ...(body.username !== undefined ? { username: body.username.toLowerCase() } : {}),
    }
  }

  /** University (students only) and department rules of PUT/PATCH /users/me/ (API.md §4). */
  async function affiliationPatch(user: User, body: Partial<ProfileBody>, errors: FieldErrors): Promise<UserPatch> {
    const patch: UserPatch = {}
    let universityId = user.universityId
    // Only students choose their university; for everyone else the field is read-only and silently ignored,
    // even when it is malformed (DRF never looks at read-only input).
    if (user.userType !== USER_TYPE.STUDENT) delete errors.university
    // A department cannot be judged against a university that did not parse.
    if (errors.university !== undefined) return patch
    if (body.university !== undefined && user.userType === USER_TYPE.STUDENT && body.university !== user.universityId) {
      if (body.university !== null && !await universities.isSelectableUniversity(body.university)) {
        errors.university = [MESSAGES.invalidPk(body.university)]
        return patch
      }
      universityId = body.university
      patch.universityId = universityId
      patch.departmentId = null
    }
    if (body.department !== undefined) {
      if (body.department !== null && !await universities.isDepartmentOf(body.department, universityId)) {
        errors.department = [MESSAGES.invalidPk(body.department)]
      } else {
        patch.departmentId = body.department
      }
    }
    return patch
  }

  /** Records which fields changed, never their values (API.md §13: a small object of details). */
  async function applyPatch(user: User, patch: UserPatch, context: RequestContext): Promise<User> {
    const fields = Object.keys(patch).map((key) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
    if (fields.length > 0) {
      await db.transaction().execute(async (trx) => {
        await store.update(trx, user.id, patch)
        await deps.audit.record(trx, { type: 'user.updated', context, userId: user.id, universityId: user.universityId, data: { fields } })
      })
    }
    return (await store.findById(user.id)) ?? user
  }

  async function deleteUser(user: User, context: RequestContext): Promise<void> {
    // Sessions and refresh tokens go with the row (ON DELETE CASCADE); access tokens die with the user lookup.
    await db.transaction().execute(async (trx) => {
      await store.delete(trx, user.id)
      const via = context.actorId === user.id ? 'self' : 'admin'
      await deps.audit.record(trx, { type: 'user.deleted', context, userId: user.id, universityId: user.universityId, data: { via, email: user.email } })
    })
  }

  /** A non-admin may only address their own id; others look like they do not exist. */
  async function findVisible(viewer: User, id: number): Promise<User> {
    if (!isSiteAdmin(viewer) && viewer.id !== id) throw AppError.notFound()
    const user = viewer.id === id ? viewer : await store.findById(id)
    if (user === undefined) throw AppError.notFound()
    return user
  }

  async function deleteMe(user: User, parsed: Parsed<OptionalCurrentPasswordBody>, context: RequestContext): Promise<void> {
    if (parsed.value.current_password === undefined && parsed.errors.current_password === undefined) {
      parsed.errors.current_password = [MESSAGES.required]
    }
    const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
    if (wrong) parsed.errors.current_password = wrong
    complete(parsed)
    await deleteUser(user, context)
  }

  return {
    findVisible,
    deleteMe,

    async updateMe(user: User, parsed: Parsed<ProfileBody>, context: RequestContext): Promise<User> {
      await nameErrors(user, parsed.value, parsed.errors)
      const affiliation = await affiliationPatch(user, parsed.value, parsed.errors)
      const body = complete(parsed)
      return applyPatch(user, { ...namePatch(body), ...affiliation }, context)
    },

    list(viewer: User): Promise<User[]> | User[] {
      return isSiteAdmin(viewer) ? store.listAll() : [viewer]
    },

    async updateShort(viewer: User, id: number, parsed: Parsed<ShortUserPatchBody>, context: RequestContext): Promise<User> {
      const target = await findVisible(viewer, id)
      await nameErrors(target, parsed.value, parsed.errors)
      return applyPatch(target, namePatch(complete(parsed)), context)
    },

    async deleteById(viewer: User, id: number, parsed: Parsed<OptionalCurrentPasswordBody>, context: RequestContext): Promise<void> {
      if (viewer.id === id) return deleteMe(viewer, parsed, context)
      // API.md §4: deleting someone else is 403 for a non-admin (not 404 as for reads).
      if (!isSiteAdmin(viewer)) throw AppError.permissionDenied()
      const target = await store.findById(id)
      if (target === undefined) throw AppError.notFound()
      await deleteUser(target, context)
    },

    async findById(id: number): Promise<User> {
      const user = await store.findById(id)
      if (user === undefined) throw AppError.notFound()
      return user
    },
  }
}
