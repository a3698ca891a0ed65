import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import {
  FACULTY_SUBJECT, STAFF_PASSWORD, addFaculty, badIdCases, loginStudent, mailTo, setPasswordFromMail, twoUniversities,
} from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType } from '../helpers/universities.ts'

const DELETED = { status: 'success', message: 'Faculty deleted' }
const NOT_FOUND = { detail: 'Not found.' }
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('POST /api/university/remove-faculty/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let universityA: RegisteredUniversity
  let adminA: Staff
  let adminB: Staff
  let moderatorA: Staff

  before(async () => {
    ;({ server, api, siteAdmin, universityA, adminA, adminB, moderatorA } = await twoUniversities())
  })
  after(async () => { await server.close() })

  const removeAs = (user: Staff | null, body: unknown) =>
    api.post('/api/university/remove-faculty/', body, user === null ? {} : { bearer: user.access })
  const exists = async (id: number) => (await server.db.selectFrom('users').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
  const facultyIds = async (admin: Staff) =>
    ((await api.get('/api/university/faculty-list/', { bearer: admin.access })).body as { id: number }[]).map((f) => f.id)

  it('When a university admin removes their faculty member, then 200, the account is gone and its tokens with it', async () => {
    const member = await addFaculty(server, adminA)
    await setPasswordFromMail(server, await mailTo(server, member.email, FACULTY_SUBJECT))
    const { access } = await login(api, member.email, STAFF_PASSWORD)
    const res = await removeAs(adminA, { faculty_id: member.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, DELETED)
    assert.equal(await exists(member.id), false)
    assert.ok(!(await facultyIds(adminA)).includes(member.id))
    assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: member.email, password: STAFF_PASSWORD })).status, 401)
  })

  it('When a moderator removes a faculty member of their university, then 200', async () => {
    const member = await addFaculty(server, adminA)
    const res = await removeAs(moderatorA, { faculty_id: String(member.id) })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, DELETED)
    assert.equal(await exists(member.id), false)
  })

  it('When the faculty member belongs to another university, then 404 and they stay', async () => {
    const member = await addFaculty(server, adminB)
    for (const manager of [adminA, moderatorA]) {
      const res = await removeAs(manager, { faculty_id: member.id })
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, NOT_FOUND)
    }
    assert.ok((await facultyIds(adminB)).includes(member.id))
  })

  it('When the id is of a non-faculty member of the same university (a student, a moderator, the admin), then 404', async () => {
    const student = await loginStudent(server, { university: universityA.id })
    for (const id of [student.id, moderatorA.id, adminA.id]) {
      const res = await removeAs(adminA, { faculty_id: id })
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, NOT_FOUND)
      assert.equal(await exists(id), true)
    }
  })

  for (const bad of badIdCases('faculty_id')) {
    it(`When faculty_id is ${bad.name}, then ${bad.status} answers the contract's error`, async () => {
      const res = await removeAs(adminA, bad.body)
      assert.equal(res.status, bad.status)
      assert.deepEqual(res.body, bad.expected)
    })
  }

  it('When the caller is anonymous, then 401, before any check of the body', async () => {
    const res = await removeAs(null, {})
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member or the site admin removes, then 403 and the member stays', async () => {
    const member = await addFaculty(server, adminA)
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    for (const user of [student, facultyMember, siteAdmin]) {
      const res = await removeAs(user, { faculty_id: member.id })
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
    }
    assert.equal(await exists(member.id), true)
  })
})
