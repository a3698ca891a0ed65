import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import {
  APPROVAL_SUBJECT, STAFF_PASSWORD, approvedUniversity, badIdCases, loginModerator, loginSiteAdmin, loginStudent, mailTo,
  registerUniversity,
} from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'

const DISAPPROVED = { status: 'success', message: 'University disapproved' }
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('POST /api/university/disapprove/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff

  before(async () => {
    server = await startServer()
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const disapproveAs = (user: Staff | null, body: unknown) =>
    api.post('/api/university/disapprove/', body, user === null ? {} : { bearer: user.access })

  it('When the site admin disapproves an approved university, then 200, and it is pending again and hidden', async () => {
    const { university } = await approvedUniversity(server, siteAdmin)
    const res = await disapproveAs(siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, DISAPPROVED)
    const publicList = (await api.get('/api/university/list/')).body as { id: number }[]
    assert.ok(!publicList.some((u) => u.id === university.id))
    const pending = (await api.get('/api/university/pending/', { bearer: siteAdmin.access })).body as { id: number; is_approved: boolean }[]
    assert.equal(pending.find((u) => u.id === university.id)?.is_approved, false)
  })

  it('When a university is disapproved, then its admin is deactivated (role kept), its tokens die and it cannot log in', async () => {
    const { university, admin } = await approvedUniversity(server, siteAdmin)
    const { refresh } = await login(api, admin.email, STAFF_PASSWORD)
    assert.equal((await disapproveAs(siteAdmin, { university_id: university.id })).status, 200)

    const me = await api.get('/api/users/me/', { bearer: admin.access })
    assert.equal(me.status, 401)
    const refreshed = await api.post('/api/jwt/refresh/', { refresh })
    assert.equal(refreshed.status, 401)
    const again = await api.post('/api/jwt/create/', { email: admin.email, password: STAFF_PASSWORD })
    assert.equal(again.status, 401)
    assert.deepEqual(again.body, { detail: 'No active account found with the given credentials' })
    const row = await server.db.selectFrom('users').select(['isActive', 'userType', 'universityId'])
      .where('id', '=', admin.id).executeTakeFirstOrThrow()
    assert.deepEqual(row, { isActive: 0, userType: 1, universityId: university.id })
  })

  it('When a university is disapproved, then its admin gets the status-change mail, without a link, in text and HTML', async () => {
    const { university, admin } = await approvedUniversity(server, siteAdmin)
    assert.equal((await disapproveAs(siteAdmin, { university_id: university.id })).status, 200)
    const mail = await mailTo(server, admin.email, APPROVAL_SUBJECT, /disapproved/)
    assert.ok(mail.text.includes(university.name))
    assert.ok(mail.html.includes('disapproved'))
    assert.doesNotMatch(mail.text, /password-reset/)
  })

  it('When a pending university is disapproved, then 200 and its admin stays inactive', async () => {
    const university = await registerUniversity(server)
    const res = await disapproveAs(siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, DISAPPROVED)
    const row = await server.db.selectFrom('users').select(['isActive', 'userType']).where('id', '=', university.adminId).executeTakeFirstOrThrow()
    assert.deepEqual(row, { isActive: 0, userType: 5 })
    await mailTo(server, university.adminEmail, APPROVAL_SUBJECT, /disapproved/)
  })

  for (const bad of badIdCases('university_id')) {
    it(`When university_id is ${bad.name}, then ${bad.status} answers the contract's error`, async () => {
      const res = await disapproveAs(siteAdmin, bad.body)
      assert.equal(res.status, bad.status)
      assert.deepEqual(res.body, bad.expected)
    })
  }

  it('When the caller is anonymous, then 401', async () => {
    const res = await disapproveAs(null, { university_id: 1 })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
  })

  it('When a student, a moderator or a university admin disapproves, then 403 and the university stays approved', async () => {
    const { university, admin } = await approvedUniversity(server, siteAdmin)
    const moderator = await loginModerator(server, university.id)
    const student = await loginStudent(server)
    for (const user of [student, moderator, admin]) {
      const res = await disapproveAs(user, { university_id: university.id })
      assert.equal(res.status, 403)
      assert.deepEqual(res.body, NOT_PERMITTED)
    }
    const row = await server.db.selectFrom('universities').select('isApproved').where('id', '=', university.id).executeTakeFirstOrThrow()
    assert.equal(row.isApproved, 1)
  })
})
