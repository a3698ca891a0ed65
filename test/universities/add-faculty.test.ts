import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import {
  FACULTY_SUBJECT, STAFF_PASSWORD, loginStudent, mailTo, newFaculty, setPasswordFromMail, twoUniversities,
} from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType, userIdOf } from '../helpers/universities.ts'

const ADDED = { status: 'success', message: 'Faculty added' }
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }
const REQUIRED = ['This field is required.']

describe('POST /api/university/add-faculty/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let universityA: RegisteredUniversity
  let universityB: RegisteredUniversity
  let adminA: Staff
  let moderatorA: Staff

  before(async () => {
    ;({ server, api, siteAdmin, universityA, adminA, universityB, moderatorA } = await twoUniversities())
  })
  after(async () => { await server.close() })

  const addAs = (user: Staff | null, body: unknown) =>
    api.post('/api/university/add-faculty/', body, user === null ? {} : { bearer: user.access })
  const rowOf = (email: string) => server.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()

  it('When a university admin adds a member, then 200 and an active faculty account of their university exists', async () => {
    const body = newFaculty()
    const res = await addAs(adminA, { ...body, email: body.email.toUpperCase(), username: body.username.toUpperCase() })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(res.body, ADDED)
    const row = await rowOf(body.email)
    assert.ok(row)
    assert.equal(row.username, body.username)
    assert.equal(row.userType, 3)
    assert.equal(row.universityId, universityA.id)
    assert.equal(row.departmentId, null)
    assert.equal(row.isActive, 1)
    assert.match(row.password, /^![A-Za-z0-9]{40}$/)
  })

  it('When a member is added, then they are mailed a set-password link, set a password and log in as faculty', async () => {
    const body = newFaculty()
    assert.equal((await addAs(adminA, body)).status, 200)
    const mail = await mailTo(server, body.email, FACULTY_SUBJECT)
    const { uid } = linkParts(mail, 'nl/password-reset')
    assert.equal(Number(Buffer.from(uid, 'base64url').toString()), await userIdOf(server.db, body.email))
    assert.match(mail.text, /^http:\/\/localhost:3000\/nl\/password-reset\/[^/\s]+\/[^/\s]+$/m)
    assert.ok(mail.html.includes('/nl/password-reset/'))
    assert.ok(mail.text.includes(universityA.name))

    const before = await api.post('/api/jwt/create/', { email: body.email, password: STAFF_PASSWORD })
    assert.equal(before.status, 401, 'no usable password before the link is used')
    await setPasswordFromMail(server, mail)
    const { access } = await login(api, body.email, STAFF_PASSWORD)
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal((me.body as { user_type: number }).user_type, 3)
    assert.equal((me.body as { university: number }).university, universityA.id)
  })

  it('When a moderator adds a member, then the account belongs to the moderator\'s university', async () => {
    const body = newFaculty()
    const res = await addAs(moderatorA, body)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, ADDED)
    assert.equal((await rowOf(body.email))?.universityId, universityA.id)
  })

  it('When the body asks for another role, university or flags, then they are ignored: a manager cannot raise anyone', async () => {
    const body = newFaculty({ user_type: 0, university: universityB.id, is_staff: true, is_superuser: true, department: 1 })
    assert.equal((await addAs(adminA, body)).status, 200)
    const row = await rowOf(body.email)
    assert.deepEqual(
      { userType: row?.userType, universityId: row?.universityId, isStaff: row?.isStaff, isSuperuser: row?.isSuperuser, departmentId: row?.departmentId },
      { userType: 3, universityId: universityA.id, isStaff: 0, isSuperuser: 0, departmentId: null },
    )
  })

  it('When a university admin tries to raise a user through the users API, then nothing changes', async () => {
    const student = await loginStudent(server, { university: universityA.id })
    const other = await api.patch(`/api/users/${student.id}/`, { user_type: 1 }, { bearer: adminA.access })
    assert.equal(other.status, 404)
    const self = await api.patch('/api/users/me/', { user_type: 0 }, { bearer: adminA.access })
    assert.equal(self.status, 200)
    assert.equal((self.body as { user_type: number }).user_type, 1)
    assert.equal((await rowOf(student.email))?.userType, 5)
  })

  it('When the email is taken (in another case), then 400 in the original\'s status shape and nothing is created', async () => {
    const existing = await registerAndActivate(server)
    const body = newFaculty({ email: existing.email.toUpperCase() })
    const res = await addAs(adminA, body)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { status: 'error', message: 'User with this email already exists' })
    assert.equal((await rowOf(existing.email))?.userType, 5)
    const byUsername = await server.db.selectFrom('users').select('id').where('username', '=', body.username).executeTakeFirst()
    assert.equal(byUsername, undefined)
  })

  it('When the username is taken (in another case), then 400 names the username; when both are, the email', async () => {
    const existing = await registerAndActivate(server)
    const username = await addAs(adminA, newFaculty({ username: existing.username.toUpperCase() }))
    assert.equal(username.status, 400)
    assert.deepEqual(username.body, { status: 'error', message: 'User with this username already exists' })
    const both = await addAs(adminA, newFaculty({ username: existing.username, email: existing.email }))
    assert.equal(both.status, 400)
    assert.deepEqual(both.body, { status: 'error', message: 'User with this email already exists' })
  })

  it('When fields are missing or invalid, then 400 lists them with DRF\'s messages', async () => {
    const empty = await addAs(adminA, {})
    assert.equal(empty.status, 400)
    assert.deepEqual(empty.body, { first_name: REQUIRED, last_name: REQUIRED, username: REQUIRED, email: REQUIRED })
    const invalid = await addAs(adminA, newFaculty({ email: 'not-an-email', username: 'x'.repeat(21) }))
    assert.equal(invalid.status, 400)
    assert.deepEqual(invalid.body, {
      username: ['Ensure this field has no more than 20 characters.'], email: ['Enter a valid email address.'],
    })
  })

  it('When the caller is anonymous, then 401, before any check of the body', async () => {
    const res = await addAs(null, {})
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member or the site admin adds, then 403 and no account is created', async () => {
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    for (const user of [student, facultyMember, siteAdmin]) {
      const body = newFaculty()
      const res = await addAs(user, body)
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
      assert.equal(await rowOf(body.email), undefined)
    }
  })
})
