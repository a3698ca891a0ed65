import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { addFaculty, loginStudent, twoUniversities } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType } from '../helpers/universities.ts'

const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('GET /api/university/faculty-list/', () => {
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

  const facultyJson = (f: { id: number; first_name: string; last_name: string; username: string; email: string }, universityId: number) => ({
    id: f.id, first_name: f.first_name, last_name: f.last_name, username: f.username, email: f.email,
    university: universityId, department: null, profile_picture: '/media/profile_pictures/avatar-male.png', user_type: 3,
  })

  it('When a university admin has no faculty yet, then 200 answers an empty list', async () => {
    const res = await api.get('/api/university/faculty-list/', { bearer: adminB.access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [])
  })

  it('When a university admin asks, then 200 lists exactly the faculty of their university as full users, by id', async () => {
    const first = await addFaculty(server, adminA)
    const second = await addFaculty(server, moderatorA)
    await addFaculty(server, adminB)
    await registerAndActivate(server, { university: universityA.id })
    const res = await api.get('/api/university/faculty-list/', { bearer: adminA.access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [facultyJson(first, universityA.id), facultyJson(second, universityA.id)])
  })

  it('When a moderator asks, then they get the faculty of their own university', async () => {
    const admins = (await api.get('/api/university/faculty-list/', { bearer: adminA.access })).body
    const res = await api.get('/api/university/faculty-list/', { bearer: moderatorA.access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, admins)
    assert.equal((res.body as unknown[]).length, 2)
  })

  it('When a member of the university stops being faculty, then they leave the list', async () => {
    const member = await addFaculty(server, adminA)
    await setUserType(server.db, member.email, 5)
    const list = (await api.get('/api/university/faculty-list/', { bearer: adminA.access })).body as { id: number }[]
    assert.ok(!list.some((f) => f.id === member.id))
  })

  it('When the caller is anonymous, then 401', async () => {
    const res = await api.get('/api/university/faculty-list/')
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member or the site admin asks, then 403', async () => {
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    for (const user of [student, facultyMember, siteAdmin]) {
      const res = await api.get('/api/university/faculty-list/', { bearer: user.access })
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
    }
  })

  it('When a moderator belongs to no university, then 403: they manage no faculty', async () => {
    const moderator = await loginStudent(server)
    await setUserType(server.db, moderator.email, 2)
    const res = await api.get('/api/university/faculty-list/', { bearer: moderator.access })
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, NOT_PERMITTED)
  })
})
