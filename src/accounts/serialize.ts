import type { User } from './user.ts'

// The only place where users become wire JSON (API.md §4); never return a row as it is (it holds the hash).

export const DEFAULT_PROFILE_PICTURE = 'profile_pictures/avatar-male.png'

/** `{scheme}://{host}` of the request, for Django's absolute `profile_picture` URLs. */
export type SiteOrigin = string

function picturePath(user: User): string {
  return `/media/${user.profilePicture ?? DEFAULT_PROFILE_PICTURE}`
}

/** "Full user" with an absolute picture URL when an origin is given, a site-relative one otherwise. */
export function toFullUserJson(user: User, origin: SiteOrigin | null) {
  return {
    id: user.id,
    first_name: user.firstName,
    last_name: user.lastName,
    username: user.username,
    email: user.email,
    university: user.universityId,
    department: user.departmentId,
    profile_picture: origin === null ? picturePath(user) : `${origin}${picturePath(user)}`,
    user_type: user.userType,
  }
}

export function toShortUserJson(user: User) {
  return { id: user.id, email: user.email, username: user.username, first_name: user.firstName, last_name: user.lastName }
}

/** The answer to registration: no id, no password (Djoser's UserCreateSerializer fields). */
export function toCreatedUserJson(user: User) {
  return {
    first_name: user.firstName,
    last_name: user.lastName,
    username: user.username,
    email: user.email,
    university: user.universityId,
    department: user.departmentId,
  }
}
