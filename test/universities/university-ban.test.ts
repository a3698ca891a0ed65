import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import {
  approvedUniversity, badIdCases, loginModerator, loginSiteAdmin, loginStudent,
} from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'

const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

/** POST /api/university/ban/ and /unban/: the site admin hides a university from the public and from registration. */
describe('POST /api/university/ban/ and /api/university/unban/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let university: RegisteredUniversity
  let universityAdmin: Staff

  before(async () => {
    server = await startServer()
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
    const approved = await approvedUniversity(server, siteAdmin)
    university = approved.university
    universityAdmin = approved.admin
  })
  after(async () => { await server.close() })

  const post = (path: string, user: Staff | null, body: unknown) =>
    api.post(path, body, user === null ? {} : { bearer: user.access })
  const isPublic = async (id: number) => ((await api.get('/api/university/list/')).body as { id: number }[]).some((u) => u.id === id)

  it('When the site admin bans, then 200, the university leaves the public list and registration refuses it', async () => {
    const res = await post('/api/university/ban/', siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'success', message: 'University banned' })
    assert.equal(await isPublic(university.id), false)
    const registration = await api.post('/api/users/', newUser({ university: university.id }))
    assert.equal(registration.status, 400)
    assert.deepEqual(registration.body, { university: [`Invalid pk "${university.id}" - object does not exist.`] })
  })

  it('When the site admin unbans, then 200, the university is public again and students can register at it', async () => {
    const res = await post('/api/university/unban/', siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'success', message: 'University unbanned' })
    assert.equal(await isPublic(university.id), true)
    const registration = await api.post('/api/users/', newUser({ university: university.id }))
    assert.equal(registration.status, 201)
  })

  it('When a university is banned, then its existing students keep their accounts and their university', async () => {
    const student = await registerAndActivate(server, { university: university.id })
    assert.equal((await post('/api/university/ban/', siteAdmin, { university_id: university.id })).status, 200)
    const { access } = await login(api, student.email, student.password)
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
    assert.equal((me.body as { university: number }).university, university.id)
    assert.equal((await post('/api/university/unban/', siteAdmin, { university_id: university.id })).status, 200)
  })

  it('When a banned university is banned again, then 200 all the same', async () => {
    for (let i = 0; i < 2; i += 1) {
      const res = await post('/api/university/ban/', siteAdmin, { university_id: university.id })
      assert.equal(res.status, 200)
    }
    assert.equal((await post('/api/university/unban/', siteAdmin, { university_id: university.id })).status, 200)
  })

  for (const path of ['/api/university/ban/', '/api/university/unban/']) {
    for (const bad of badIdCases('university_id')) {
      it(`When ${path} gets a university_id that is ${bad.name}, then ${bad.status} answers the contract's error`, async () => {
        const res = await post(path, siteAdmin, bad.body)
        assert.equal(res.status, bad.status)
        assert.deepEqual(res.body, bad.expected)
      })
    }

    it(`When ${path} is called anonymously, then 401`, async () => {
      const res = await post(path, null, { university_id: university.id })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    })

    it(`When ${path} is called by a student, a moderator or a university admin, then 403 and nothing changes`, async () => {
      const moderator = await loginModerator(server, university.id)
      const student = await loginStudent(server)
      for (const user of [student, moderator, universityAdmin]) {
        const res = await post(path, user, { university_id: university.id })
        assert.equal(res.status, 403)
        assert.deepEqual(res.body, NOT_PERMITTED)
      }
      assert.equal(await isPublic(university.id), true)
    })
  }
})
