import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { TestServer } from '../helpers/server.ts'
import type { Client } from '../helpers/http.ts'
import { registerUniversity, twoUniversities } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'

const UNIVERSITY_NOT_FOUND = { status: 'error', message: 'University not found' }

describe('GET /api/department/get/', () => {
  let server: TestServer
  let api: Client
  let universityA: RegisteredUniversity
  let universityB: RegisteredUniversity
  let adminA: Staff
  let adminB: Staff
  let departmentsA: { id: number; name: string; code: string; university: number }[]

  before(async () => {
    ;({ server, api, universityA, adminA, universityB, adminB } = await twoUniversities())
    departmentsA = []
    for (const [name, code] of [['Computer Science', 'CSE'], ['Electrical Engineering', 'EEE']] as const) {
      const res = await api.post('/api/department/create/', { name, code }, { bearer: adminA.access })
      assert.equal(res.status, 200)
      departmentsA.push(res.body as { id: number; name: string; code: string; university: number })
    }
    assert.equal((await api.post('/api/department/create/', { name: 'Law', code: 'LAW' }, { bearer: adminB.access })).status, 200)
  })
  after(async () => { await server.close() })

  it('When anyone asks for a university\'s departments, then 200 lists exactly them, by id', async () => {
    const res = await api.get(`/api/department/get/?university_id=${universityA.id}`)
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(res.body, [
      { id: departmentsA[0]?.id, name: 'Computer Science', code: 'CSE', university: universityA.id },
      { id: departmentsA[1]?.id, name: 'Electrical Engineering', code: 'EEE', university: universityA.id },
    ])
  })

  it('When the university has no departments, then 200 answers an empty list', async () => {
    const pending = await registerUniversity(server)
    const res = await api.get(`/api/department/get/?university_id=${pending.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [])
  })

  it('When university_id is repeated, then the last value counts, as in Django\'s QueryDict', async () => {
    const res = await api.get(`/api/department/get/?university_id=${universityA.id}&university_id=${universityB.id}`)
    assert.equal(res.status, 200)
    assert.deepEqual((res.body as { code: string }[]).map((d) => d.code), ['LAW'])
  })

  for (const [name, query] of [
    ['missing', ''], ['empty', '?university_id='], ['a word', '?university_id=abc'], ['a fraction', '?university_id=1.5'],
    ['negative', '?university_id=-1'], ['zero', '?university_id=0'], ['unknown', '?university_id=987654'],
    ['beyond a database integer', '?university_id=99999999999'], ['absurdly long', `?university_id=${'9'.repeat(400)}`],
  ] as const) {
    it(`When university_id is ${name}, then 404 in the original's status shape`, async () => {
      const res = await api.get(`/api/department/get/${query}`)
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, UNIVERSITY_NOT_FOUND)
    })
  }
})
