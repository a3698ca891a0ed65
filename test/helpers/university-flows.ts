import { createSiteAdmin } from '../../src/accounts/site-admins.ts'
import { createPasswordHasher } from '../../src/platform/password-hashing.ts'
import { login, registerAndActivate } from './flows.ts'
import { client } from './http.ts'
import { startServer } from './server.ts'
import type { TestServer } from './server.ts'
import { linkParts } from './smtp-sink.ts'
import type { CaughtMail } from './smtp-sink.ts'
import { setUserType, userIdOf } from './universities.ts'

// The university stories of API.md §8 built through the API: only the site admin (createsuperuser, a command)
// and moderators (a role no endpoint grants) are made directly in the test's database.

export const APPROVAL_SUBJECT = 'University Approval Status Change'
export const FACULTY_SUBJECT = 'UniLink Account Created'
/** A password every validator of API.md §5 accepts for the accounts these helpers create. */
export const STAFF_PASSWORD = 'Quiet-Harbour-42'

let counter = 0
function tag(): string {
  counter += 1
  return `${process.pid.toString(36)}${counter}`
}

export type Staff = { id: number; email: string; username: string; access: string }

/** An active site admin, as `npm run createsuperuser` makes one, logged in. */
export async function loginSiteAdmin(server: TestServer): Promise<Staff> {
  const t = tag()
  const email = `root.${t}@example.com`
  const username = `root${t}`.slice(0, 20)
  const hasher = createPasswordHasher(server.config.passwordHashing)
  const user = await createSiteAdmin(server.db, hasher, { email, username, firstName: 'Site', lastName: 'Admin', password: STAFF_PASSWORD })
  const { access } = await login(client(server.base), email, STAFF_PASSWORD)
  return { id: user.id, email, username, access }
}

/** A fresh, valid body for POST /api/university/create/; unique per call. */
export function newUniversity(overrides: Record<string, unknown> = {}, admin: Record<string, unknown> = {}) {
  const t = tag()
  return {
    name: `University ${t}`,
    domain: `u${t}.example.edu`,
    doc_url: `https://u${t}.example.edu/charter.pdf`,
    admin: { first_name: 'Grace', last_name: 'Hopper', username: `grace${t}`.slice(0, 20), email: `grace.${t}@u${t}.example.edu`, ...admin },
    ...overrides,
  }
}

export type RegisteredUniversity = { id: number; name: string; adminId: number; adminEmail: string; adminUsername: string }

export async function registerUniversity(server: TestServer, overrides: Record<string, unknown> = {}): Promise<RegisteredUniversity> {
  const body = newUniversity(overrides)
  const res = await client(server.base).post('/api/university/create/', body)
  if (res.status !== 200) throw new Error(`university registration failed: ${res.status} ${res.text}`)
  const created = res.body as { id: number; admin: { id: number } }
  return { id: created.id, name: body.name, adminId: created.admin.id, adminEmail: body.admin.email, adminUsername: body.admin.username }
}

/** The first mail to `email` with `subject` whose text matches `text`. */
export function mailTo(server: TestServer, email: string, subject: string, text: RegExp = /./): Promise<CaughtMail> {
  return server.mail.waitFor((m) => m.to === email && m.subject === subject && text.test(m.text))
}

/** Follows the set-password link of a mail through POST /api/users/reset_password_confirm/. */
export async function setPasswordFromMail(server: TestServer, mail: CaughtMail, password = STAFF_PASSWORD): Promise<void> {
  const res = await client(server.base).post('/api/users/reset_password_confirm/', {
    ...linkParts(mail, 'nl/password-reset'), new_password: password, re_new_password: password,
  })
  if (res.status !== 204) throw new Error(`set password failed: ${res.status} ${res.text}`)
}

export async function approve(server: TestServer, siteAdmin: Staff, universityId: number): Promise<void> {
  const res = await client(server.base).post('/api/university/approve/', { university_id: universityId }, { bearer: siteAdmin.access })
  if (res.status !== 200) throw new Error(`approval failed: ${res.status} ${res.text}`)
}

/** A registered, approved university whose admin has set a password from the approval mail and logged in. */
export async function approvedUniversity(server: TestServer, siteAdmin: Staff) {
  const university = await registerUniversity(server)
  await approve(server, siteAdmin, university.id)
  await setPasswordFromMail(server, await mailTo(server, university.adminEmail, APPROVAL_SUBJECT, /has been approved/))
  const { access } = await login(client(server.base), university.adminEmail, STAFF_PASSWORD)
  const admin: Staff = { id: university.adminId, email: university.adminEmail, username: university.adminUsername, access }
  return { university, admin }
}

/** A student of the university promoted to moderator (no endpoint grants that role), logged in. */
export async function loginModerator(server: TestServer, universityId: number): Promise<Staff> {
  const user = await registerAndActivate(server, { university: universityId })
  await setUserType(server.db, user.email, 2)
  const { access } = await login(client(server.base), user.email, user.password)
  return { id: await userIdOf(server.db, user.email), email: user.email, username: user.username, access }
}

/** An active student (user_type 5) without a university, logged in. */
export async function loginStudent(server: TestServer, overrides: Record<string, unknown> = {}): Promise<Staff> {
  const user = await registerAndActivate(server, overrides)
  const { access } = await login(client(server.base), user.email, user.password)
  return { id: await userIdOf(server.db, user.email), email: user.email, username: user.username, access }
}

/** A body for POST /api/university/add-faculty/; unique per call. */
export function newFaculty(overrides: Record<string, unknown> = {}) {
  const t = tag()
  return { first_name: 'Alan', last_name: 'Turing', username: `alan${t}`.slice(0, 20), email: `alan.${t}@example.edu`, ...overrides }
}

/** Adds a faculty member through the API and returns their id. */
export async function addFaculty(server: TestServer, manager: Staff, overrides: Record<string, unknown> = {}) {
  const body = newFaculty(overrides)
  const res = await client(server.base).post('/api/university/add-faculty/', body, { bearer: manager.access })
  if (res.status !== 200) throw new Error(`adding faculty failed: ${res.status} ${res.text}`)
  return { ...body, id: await userIdOf(server.db, body.email) }
}

export type BadIdCase = { name: string; body: Record<string, unknown>; status: number; expected: unknown }

/**
 * The bad values of an id in a body (API.md §8): missing and non-integer are field errors, an id no row has (or
 * could have) is `notFound`.
 */
export function badIdCases(field: string, notFound: unknown = { detail: 'Not found.' }): BadIdCase[] {
  const invalid = { [field]: ['A valid integer is required.'] }
  return [
    { name: 'missing', body: {}, status: 400, expected: { [field]: ['This field is required.'] } },
    { name: 'null', body: { [field]: null }, status: 400, expected: { [field]: ['This field may not be null.'] } },
    { name: 'a word', body: { [field]: 'abc' }, status: 400, expected: invalid },
    { name: 'a fraction', body: { [field]: 1.5 }, status: 400, expected: invalid },
    { name: 'a boolean', body: { [field]: true }, status: 400, expected: invalid },
    { name: 'a list', body: { [field]: [1] }, status: 400, expected: invalid },
    { name: 'unknown', body: { [field]: 987654 }, status: 404, expected: notFound },
    { name: 'zero', body: { [field]: 0 }, status: 404, expected: notFound },
    { name: 'negative', body: { [field]: -3 }, status: 404, expected: notFound },
    { name: 'beyond a database integer', body: { [field]: 99999999999 }, status: 404, expected: notFound },
  ]
}

/**
 * The cast of the §8 role tests, on a server of their own: a site admin, two approved universities with their
 * admins, and a moderator of the first.
 */
export async function twoUniversities() {
  const server = await startServer()
  const siteAdmin = await loginSiteAdmin(server)
  const a = await approvedUniversity(server, siteAdmin)
  const b = await approvedUniversity(server, siteAdmin)
  return {
    server, api: client(server.base), siteAdmin,
    universityA: a.university, adminA: a.admin, universityB: b.university, adminB: b.admin,
    moderatorA: await loginModerator(server, a.university.id),
  }
}
