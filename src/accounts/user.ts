import type { Selectable } from 'kysely'
import type { UsersTable } from '../platform/db.ts'

// The user record, shared by every feature that reads a user (tokens resolve one per request, universities manage
// their staff): its type, the user types, and the mapping from a users row. The SQL stays in accounts/store.ts.

export type UserRow = Selectable<UsersTable>
export type User = Omit<UserRow, 'isActive' | 'isStaff' | 'isSuperuser'> & {
  isActive: boolean
  isStaff: boolean
  isSuperuser: boolean
}
export type NewUser = Omit<User, 'id' | 'tokensValidAfter'>
export type UserPatch = Partial<Omit<User, 'id'>>

/** The original model's user_type choices (API.md §4). */
export const USER_TYPE = { SITE_ADMIN: 0, UNIVERSITY_ADMIN: 1, MODERATOR: 2, FACULTY: 3, REPRESENTATIVE: 4, STUDENT: 5 } as const

/** What differs between new accounts (registration, a university's staff, createsuperuser); the rest is the same. */
export type NewUserInput = Pick<User, 'email' | 'username' | 'firstName' | 'lastName' | 'password' | 'userType' | 'isActive'>
  & Partial<Pick<User, 'universityId' | 'departmentId' | 'isStaff' | 'isSuperuser'>>

/** A new account's record: names lower-cased as every lookup expects, never logged in, the default picture. */
export function newUserRecord(input: NewUserInput, now: number): NewUser {
  return {
    email: input.email.toLowerCase(), username: input.username.toLowerCase(),
    firstName: input.firstName, lastName: input.lastName, password: input.password,
    universityId: input.universityId ?? null, departmentId: input.departmentId ?? null, userType: input.userType,
    isActive: input.isActive, isStaff: input.isStaff ?? false, isSuperuser: input.isSuperuser ?? false,
    dateJoined: now, lastLogin: null, profilePicture: null,
  }
}

/** A users row as the code sees it: flags as booleans. */
export function toUser(row: UserRow): User {
  return { ...row, isActive: row.isActive === 1, isStaff: row.isStaff === 1, isSuperuser: row.isSuperuser === 1 }
}

/** What the routes of a feature need of an authenticated request (the tokens feature's Principal carries it). */
export type SignedIn = { user: User }
