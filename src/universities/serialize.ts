import { toFullUserJson } from '../accounts/serialize.ts'
import type { User } from '../accounts/user.ts'
import type { Department, University } from './store.ts'

// The only place where universities and departments become wire JSON (API.md §8).

export type UniversityWithAdmin = { university: University; admin: User | null }

/** Full form: its admin as a full user with a site-relative picture, as the original serialised it. */
export function toUniversityJson({ university, admin }: UniversityWithAdmin) {
  return {
    id: university.id,
    name: university.name,
    domain: university.domain,
    doc_url: university.docUrl,
    admin: admin === null ? null : toFullUserJson(admin, null),
    is_approved: university.isApproved,
    is_banned: university.isBanned,
  }
}

/** Faculty as full users, with site-relative pictures like a university's admin. */
export function toFacultyJson(user: User) {
  return toFullUserJson(user, null)
}

export function toPublicUniversityJson(university: University) {
  return { id: university.id, name: university.name }
}

export function toDepartmentJson(department: Department) {
  return { id: department.id, name: department.name, code: department.code, university: department.universityId }
}

/** The original's action answers: `{"status": "success", "message": "University approved"}`. */
export function toSuccessJson(message: string) {
  return { status: 'success', message }
}
