import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { loginStudent, loginModerator, twoUniversities } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType } from '../helpers/universities.ts'

const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }
const REQUIRED = ['This field is required.']

describe('POST /api/department/create/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let universityA: RegisteredUniversity
  let universityB: RegisteredUniversity
  let adminA: Staff

  before(async () => {
    ;({ server, api, siteAdmin, universityA, adminA, universityB } = await twoUniversities())
  })
  after(async () => { await server.close() })

  const createAs = (user: Staff | null, body: unknown) =>
    api.post('/api/department/create/', body, user === null ? {} : { bearer: user.access })
  const departmentCount = async () => (await server.db.selectFrom('departments').select('id').execute()).length

  it('When a university admin creates a department, then 200 answers it, of their university, trimmed', async () => {
    const res = await createAs(adminA, { name: '  Computer Science ', code: ' CSE ' })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    const { id } = res.body as { id: number }
    assert.deepEqual(res.body, { id, name: 'Computer Science', code: 'CSE', university: universityA.id })
    const listed = await api.get(`/api/department/get/?university_id=${universityA.id}`)
    assert.deepEqual(listed.body, [res.body])
  })

  it('When the body names another university, then it is ignored: the department is the admin\'s own', async () => {
    const res = await createAs(adminA, { name: 'Physics', code: 'PHY', university: universityB.id, university_id: universityB.id })
    assert.equal(res.status, 200)
    assert.equal((res.body as { university: number }).university, universityA.id)
    assert.deepEqual((await api.get(`/api/department/get/?university_id=${universityB.id}`)).body, [])
  })

  it('When fields are missing, blank or too long, then 400 lists them and nothing is created', async () => {
    const before = await departmentCount()
    const empty = await createAs(adminA, {})
    assert.equal(empty.status, 400)
    assert.deepEqual(empty.body, { name: REQUIRED, code: REQUIRED })
    const invalid = await createAs(adminA, { name: ' ', code: 'C'.repeat(51) })
    assert.equal(invalid.status, 400)
    assert.deepEqual(invalid.body, { name: ['This field may not be blank.'], code: ['Ensure this field has no more than 50 characters.'] })
    const long = await createAs(adminA, { name: 'N'.repeat(101), code: 'OK' })
    assert.deepEqual(long.body, { name: ['Ensure this field has no more than 100 characters.'] })
    assert.equal(await departmentCount(), before)
  })

  it('When the caller is anonymous, then 401, before any check of the body', async () => {
    const res = await createAs(null, {})
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member, a moderator or the site admin creates, then 403 and nothing is created', async () => {
    const before = await departmentCount()
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    const moderator = await loginModerator(server, universityA.id)
    for (const user of [student, facultyMember, moderator, siteAdmin]) {
      for (const body of [{ name: 'History', code: 'HIS' }, {}]) {
        const res = await createAs(user, body)
        assert.equal(res.status, 403)
        assert.deepEqual(res.body, NOT_PERMITTED)
      }
    }
    assert.equal(await departmentCount(), before)
  })
})
