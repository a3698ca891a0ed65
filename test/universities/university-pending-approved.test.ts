import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import {
  approve, approvedUniversity, loginModerator, loginSiteAdmin, loginStudent, newUniversity,
} from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'

const PICTURE = '/media/profile_pictures/avatar-male.png'
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

/** GET /api/university/pending/ and /approved/: the site admin's two review lists, in the full form. */
describe('GET /api/university/pending/ and /api/university/approved/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let universityAdmin: Staff
  let moderator: Staff
  let student: Staff

  before(async () => {
    server = await startServer()
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
    const first = await approvedUniversity(server, siteAdmin)
    universityAdmin = first.admin
    moderator = await loginModerator(server, first.university.id)
    student = await loginStudent(server)
  })
  after(async () => { await server.close() })

  for (const path of ['/api/university/pending/', '/api/university/approved/']) {
    it(`When ${path} is asked anonymously, then 401 asks for credentials`, async () => {
      const res = await api.get(path)
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
    })

    it(`When ${path} is asked by a student, a moderator or a university admin, then 403`, async () => {
      for (const user of [student, moderator, universityAdmin]) {
        const res = await api.get(path, { bearer: user.access })
        assert.equal(res.status, 403)
        assert.deepEqual(res.body, NOT_PERMITTED)
      }
    })
  }

  it('When a university is registered and then approved, then it moves from pending to approved, in the full form', async () => {
    const body = newUniversity()
    const created = await api.post('/api/university/create/', body)
    assert.equal(created.status, 200)
    const { id, admin: { id: adminId } } = created.body as { id: number; admin: { id: number } }
    const adminJson = (userType: number) => ({
      id: adminId, first_name: 'Grace', last_name: 'Hopper', username: body.admin.username, email: body.admin.email,
      university: id, department: null, profile_picture: PICTURE, user_type: userType,
    })
    const pending = await api.get('/api/university/pending/', { bearer: siteAdmin.access })
    assert.equal(pending.status, 200)
    assert.deepEqual(pending.body, [{
      id, name: body.name, domain: body.domain, doc_url: body.doc_url, admin: adminJson(5), is_approved: false, is_banned: false,
    }])

    await approve(server, siteAdmin, id)
    assert.deepEqual((await api.get('/api/university/pending/', { bearer: siteAdmin.access })).body, [])
    const approved = await api.get('/api/university/approved/', { bearer: siteAdmin.access })
    assert.equal(approved.status, 200)
    const list = approved.body as { id: number }[]
    assert.equal(list.length, 2)
    assert.ok((list[0]?.id ?? 0) < (list[1]?.id ?? 0), 'ordered by id')
    assert.deepEqual(list[1], {
      id, name: body.name, domain: body.domain, doc_url: body.doc_url, admin: adminJson(1), is_approved: true, is_banned: false,
    })
  })

  it('When an approved university is banned, then it stays in the approved list with is_banned true', async () => {
    const approved = (await api.get('/api/university/approved/', { bearer: siteAdmin.access })).body as { id: number }[]
    const id = approved[0]?.id ?? 0
    assert.equal((await api.post('/api/university/ban/', { university_id: id }, { bearer: siteAdmin.access })).status, 200)
    const after = (await api.get('/api/university/approved/', { bearer: siteAdmin.access })).body as { id: number; is_banned: boolean }[]
    assert.equal(after.find((u) => u.id === id)?.is_banned, true)
  })

  it('When a pending university\'s admin account was deleted, then the university is listed with admin null', async () => {
    const created = (await api.post('/api/university/create/', newUniversity())).body as { id: number; admin: { id: number } }
    const deleted = await api.delete(`/api/users/${created.admin.id}/`, {}, { bearer: siteAdmin.access })
    assert.equal(deleted.status, 204)
    const pending = (await api.get('/api/university/pending/', { bearer: siteAdmin.access })).body as { id: number; admin: unknown }[]
    assert.deepEqual(pending.map((u) => [u.id, u.admin]), [[created.id, null]])
  })
})
