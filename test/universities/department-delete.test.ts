import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { badIdCases, loginStudent, loginModerator, twoUniversities } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType } from '../helpers/universities.ts'

const DELETED = { status: 'success', message: 'Department deleted' }
const DEPARTMENT_NOT_FOUND = { status: 'error', message: 'Department not found' }
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('POST /api/department/delete/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let universityA: RegisteredUniversity
  let adminA: Staff
  let adminB: Staff

  before(async () => {
    ;({ server, api, siteAdmin, universityA, adminA, adminB } = await twoUniversities())
  })
  after(async () => { await server.close() })

  const deleteAs = (user: Staff | null, body: unknown) =>
    api.post('/api/department/delete/', body, user === null ? {} : { bearer: user.access })
  async function createDepartment(admin: Staff, code = 'DEP'): Promise<number> {
    const res = await api.post('/api/department/create/', { name: `Department ${code}`, code }, { bearer: admin.access })
    assert.equal(res.status, 200)
    return (res.body as { id: number }).id
  }
  const departmentIds = async (admin: Staff) =>
    ((await api.get('/api/department/list/', { bearer: admin.access })).body as { id: number }[]).map((d) => d.id)

  it('When a university admin deletes their department, then 200 and it is gone', async () => {
    const id = await createDepartment(adminA)
    const res = await deleteAs(adminA, { department_id: id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, DELETED)
    assert.ok(!(await departmentIds(adminA)).includes(id))
  })

  it('When a department with students is deleted, then the students stay, without a department', async () => {
    const id = await createDepartment(adminA, 'STU')
    const student = await registerAndActivate(server, { university: universityA.id, department: id })
    assert.equal((await deleteAs(adminA, { department_id: String(id) })).status, 200)
    const { access } = await login(api, student.email, student.password)
    const me = (await api.get('/api/users/me/', { bearer: access })).body as { university: number; department: number | null }
    assert.deepEqual([me.university, me.department], [universityA.id, null])
  })

  it('When the department belongs to another university, then 404 in the status shape and it stays', async () => {
    const id = await createDepartment(adminB, 'OTH')
    const res = await deleteAs(adminA, { department_id: id })
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, DEPARTMENT_NOT_FOUND)
    assert.ok((await departmentIds(adminB)).includes(id))
  })

  it('When the department was already deleted, then 404 in the status shape', async () => {
    const id = await createDepartment(adminA, 'TWI')
    assert.equal((await deleteAs(adminA, { department_id: id })).status, 200)
    const res = await deleteAs(adminA, { department_id: id })
    assert.equal(res.status, 404)
    assert.deepEqual(res.body, DEPARTMENT_NOT_FOUND)
  })

  for (const bad of badIdCases('department_id', DEPARTMENT_NOT_FOUND)) {
    it(`When department_id is ${bad.name}, then ${bad.status} answers the contract's error`, async () => {
      const res = await deleteAs(adminA, bad.body)
      assert.equal(res.status, bad.status)
      assert.deepEqual(res.body, bad.expected)
    })
  }

  it('When the caller is anonymous, then 401, before any check of the body', async () => {
    const res = await deleteAs(null, {})
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member, a moderator or the site admin deletes, then 403 and the department stays', async () => {
    const id = await createDepartment(adminA, 'KEE')
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    const moderator = await loginModerator(server, universityA.id)
    for (const user of [student, facultyMember, moderator, siteAdmin]) {
      const res = await deleteAs(user, { department_id: id })
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
    }
    assert.ok((await departmentIds(adminA)).includes(id))
  })
})
