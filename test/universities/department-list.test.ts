import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { loginStudent, loginModerator, twoUniversities } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'
import { setUserType } from '../helpers/universities.ts'

const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('GET /api/department/list/', () => {
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

  const listAs = (user: Staff | null) => api.get('/api/department/list/', user === null ? {} : { bearer: user.access })

  it('When a university admin has no departments, then 200 answers an empty list', async () => {
    const res = await listAs(adminA)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [])
  })

  it('When a university admin asks, then 200 lists exactly their university\'s departments, by id', async () => {
    const created = []
    for (const [name, code] of [['Mathematics', 'MAT'], ['Biology', 'BIO']]) {
      const res = await api.post('/api/department/create/', { name, code }, { bearer: adminA.access })
      created.push(res.body)
    }
    await api.post('/api/department/create/', { name: 'Chemistry', code: 'CHE' }, { bearer: adminB.access })
    const res = await listAs(adminA)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, created)
    assert.deepEqual((res.body as { university: number }[]).map((d) => d.university), [universityA.id, universityA.id])
    const other = await listAs(adminB)
    assert.deepEqual((other.body as { code: string }[]).map((d) => d.code), ['CHE'])
  })

  it('When the caller is anonymous, then 401', async () => {
    const res = await listAs(null)
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a faculty member, a moderator or the site admin asks, then 403', async () => {
    const student = await loginStudent(server, { university: universityA.id })
    const facultyMember = await loginStudent(server, { university: universityA.id })
    await setUserType(server.db, facultyMember.email, 3)
    const moderator = await loginModerator(server, universityA.id)
    for (const user of [student, facultyMember, moderator, siteAdmin]) {
      const res = await listAs(user)
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
    }
  })
})
