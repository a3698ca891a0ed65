import { USER_TYPE } from '../accounts/user.ts'
import type { User } from '../accounts/user.ts'
import { AppError } from '../platform/errors.ts'
import type { University, UniversityStore } from './store.ts'

/**
 * The university a university admin or moderator acts for. An admin's is the one they administer (accounts
 * imported from the original backend, which never saved the admin's `university`, have only that link); a
 * moderator's is their own. Someone who manages no university may do nothing here.
 */
export async function managedUniversity(store: UniversityStore, user: User): Promise<University> {
  const administered = user.userType === USER_TYPE.UNIVERSITY_ADMIN ? await store.findAdministeredBy(user.id) : undefined
  const university = administered ?? (user.universityId === null ? undefined : await store.findById(user.universityId))
  if (university === undefined) throw AppError.permissionDenied()
  return university
}
