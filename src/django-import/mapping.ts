// Maps one Django row to one row of our schema, or says why it cannot be carried over. Pure functions: no I/O.
// Our conventions: epoch-millisecond times, 0/1 flags, lower-cased emails and usernames (API.md §4).
import { isValidEmail } from '../platform/http/email-address.ts'
import type { SourceRow } from './source.ts'

type Flag = 0 | 1
export type Mapped<T> = { ok: true; row: T } | { ok: false; id: number | string; reason: string }

export type ImportedUniversity = {
  id: number; name: string; domain: string; docUrl: string | null; isApproved: Flag; isBanned: Flag
  /** Set after the users are in (the admin is a user, a user belongs to a university). */
  adminId: number | null
  settingsId: number | null
}
export type ImportedSettings = { id: number; emailPattern: string; sidPattern: string; isRegistrationEnabled: Flag }
export type ImportedDepartment = { id: number; name: string; code: string; universityId: number }
export type ImportedUser = {
  id: number; email: string; username: string; firstName: string; lastName: string; password: string
  universityId: number | null; departmentId: number | null; userType: number
  isActive: Flag; isStaff: Flag; isSuperuser: Flag; dateJoined: number; lastLogin: number | null; profilePicture: string | null
}

// Django's ImageField default in the original model; ours is null for "the default picture" (accounts/serialize.ts).
const DEFAULT_PICTURE = 'profile_pictures/avatar-male.png'

class RowProblem extends Error {}

function id(value: unknown, column: string): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value
  // Our id columns are 32-bit integers.
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2_147_483_647) throw new RowProblem(`${column} is not a valid id (${String(value)})`)
  return n
}

function optionalId(value: unknown, column: string): number | null {
  return value === null || value === undefined ? null : id(value, column)
}

function flag(value: unknown, column: string): Flag {
  if (value === true || value === 1 || value === '1' || value === 't') return 1
  if (value === false || value === 0 || value === '0' || value === 'f') return 0
  throw new RowProblem(`${column} is not a boolean (${String(value)})`)
}

function text(value: unknown, column: string, maxLength: number): string {
  if (typeof value !== 'string') throw new RowProblem(`${column} is not text`)
  if (value.length > maxLength) throw new RowProblem(`${column} is longer than ${maxLength} characters`)
  return value
}

// Django on SQLite stores datetimes as naive UTC text ('2023-08-16 13:42:30.466441'); PostgreSQL returns Dates.
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$/

/** Epoch milliseconds of a Django datetime (microseconds truncated), or a RowProblem. */
export function djangoDateTime(value: unknown, column: string): number {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.getTime()
  const match = typeof value === 'string' ? DATETIME.exec(value.trim()) : null
  if (match) {
    const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = match as unknown as string[]
    const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`
    const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${fraction.padEnd(3, '0').slice(0, 3)}${offset}`)
    if (!Number.isNaN(ms)) return ms
  }
  throw new RowProblem(`${column} is not a valid date and time (${String(value)})`)
}

function mapRow<T>(raw: SourceRow, build: () => T): Mapped<T> {
  try {
    return { ok: true, row: build() }
  } catch (error) {
    if (error instanceof RowProblem) return { ok: false, id: typeof raw.id === 'number' ? raw.id : String(raw.id), reason: error.message }
    throw error
  }
}

export function mapUniversity(raw: SourceRow): Mapped<ImportedUniversity> {
  return mapRow(raw, () => ({
    id: id(raw.id, 'id'),
    name: text(raw.name, 'name', 255),
    domain: text(raw.domain, 'domain', 255),
    docUrl: raw.doc_url === undefined || raw.doc_url === null ? null : text(raw.doc_url, 'doc_url', 500),
    isApproved: flag(raw.is_approved, 'is_approved'),
    isBanned: flag(raw.is_banned, 'is_banned'),
    adminId: optionalId(raw.admin_id, 'admin_id'),
    settingsId: optionalId(raw.settings_id, 'settings_id'),
  }))
}

export function mapSettings(raw: SourceRow): Mapped<ImportedSettings> {
  return mapRow(raw, () => ({
    id: id(raw.id, 'id'),
    emailPattern: text(raw.email_pattern, 'email_pattern', 100),
    sidPattern: text(raw.sid_pattern, 'sid_pattern', 100),
    isRegistrationEnabled: flag(raw.is_registration_enabled, 'is_registration_enabled'),
  }))
}

export function mapDepartment(raw: SourceRow): Mapped<ImportedDepartment> {
  return mapRow(raw, () => ({
    id: id(raw.id, 'id'),
    name: text(raw.name, 'name', 255),
    code: text(raw.code, 'code', 50),
    universityId: id(raw.university_id, 'university_id'),
  }))
}

const USER_TYPES = new Set([0, 1, 2, 3, 4, 5])

export function mapUser(raw: SourceRow): Mapped<ImportedUser> {
  return mapRow(raw, () => {
    const email = text(raw.email, 'email', 100)
    if (!isValidEmail(email)) throw new RowProblem(`email ${JSON.stringify(email)} is not a valid email address`)
    const username = text(raw.username, 'username', 20)
    if (username.trim() === '') throw new RowProblem('username is empty')
    const userType = typeof raw.user_type === 'string' ? Number(raw.user_type) : raw.user_type
    if (typeof userType !== 'number' || !USER_TYPES.has(userType)) throw new RowProblem(`user_type ${String(raw.user_type)} is not one of 0-5`)
    const picture = raw.profile_picture === undefined || raw.profile_picture === null ? '' : text(raw.profile_picture, 'profile_picture', 255)
    return {
      id: id(raw.id, 'id'),
      email: email.toLowerCase(),
      username: username.toLowerCase(),
      firstName: text(raw.first_name, 'first_name', 100),
      lastName: text(raw.last_name, 'last_name', 100),
      // Kept as Django wrote it: every Django hasher verifies here (platform/password-hashing.ts).
      password: text(raw.password, 'password', 255),
      universityId: optionalId(raw.university_id, 'university_id'),
      departmentId: optionalId(raw.department_id, 'department_id'),
      userType,
      isActive: flag(raw.is_active, 'is_active'),
      isStaff: flag(raw.is_staff, 'is_staff'),
      isSuperuser: flag(raw.is_superuser, 'is_superuser'),
      dateJoined: djangoDateTime(raw.date_joined, 'date_joined'),
      lastLogin: raw.last_login === null || raw.last_login === undefined ? null : djangoDateTime(raw.last_login, 'last_login'),
      profilePicture: picture === '' || picture === DEFAULT_PICTURE ? null : picture,
    }
  })
}
