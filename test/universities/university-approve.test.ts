import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import {
  APPROVAL_SUBJECT, STAFF_PASSWORD, approvedUniversity, badIdCases, loginModerator, loginSiteAdmin, loginStudent, mailTo,
  registerUniversity, setPasswordFromMail,
} from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'

const APPROVED = { status: 'success', message: 'University approved' }
const NOT_PERMITTED = { detail: 'You do not have permission to perform this action.' }

describe('POST /api/university/approve/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff

  before(async () => {
    server = await startServer({ PROTOCOL: 'https', DOMAIN: 'unilink.example.org' })
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const approveAs = (user: Staff | null, body: unknown) =>
    api.post('/api/university/approve/', body, user === null ? {} : { bearer: user.access })

  it('When the site admin approves, then 200 answers success and the university is public', async () => {
    const university = await registerUniversity(server)
    const res = await approveAs(siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(res.body, APPROVED)
    const publicList = (await api.get('/api/university/list/')).body as { id: number }[]
    assert.ok(publicList.some((u) => u.id === university.id))
  })

  it('When a university is approved, then its admin is active, a university admin of it, and mailed a set-password link', async () => {
    const university = await registerUniversity(server)
    assert.equal((await approveAs(siteAdmin, { university_id: university.id })).status, 200)
    const admin = await server.db.selectFrom('users').selectAll().where('id', '=', university.adminId).executeTakeFirstOrThrow()
    assert.equal(admin.isActive, 1)
    assert.equal(admin.userType, 1)
    assert.equal(admin.universityId, university.id)

    const mail = await mailTo(server, university.adminEmail, APPROVAL_SUBJECT)
    const { uid, token } = linkParts(mail, 'nl/password-reset')
    assert.equal(Buffer.from(uid, 'base64url').toString(), String(university.adminId))
    assert.match(token, /^[0-9a-z]+-[0-9a-f]{32}$/)
    assert.ok(mail.text.includes(`https://unilink.example.org/nl/password-reset/${uid}/${token}`))
    assert.ok(mail.html.includes(`https://unilink.example.org/nl/password-reset/${uid}/${token}`))
    assert.ok(mail.text.includes(university.name))
  })

  it('When the admin follows the link, then they set a first password, log in as user_type 1, and the link is spent', async () => {
    const university = await registerUniversity(server)
    assert.equal((await approveAs(siteAdmin, { university_id: university.id })).status, 200)
    const mail = await mailTo(server, university.adminEmail, APPROVAL_SUBJECT)
    await setPasswordFromMail(server, mail)
    const { access } = await login(api, university.adminEmail, STAFF_PASSWORD)
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
    assert.equal((me.body as { user_type: number }).user_type, 1)
    assert.equal((me.body as { university: number }).university, university.id)
    const again = await api.post('/api/users/reset_password_confirm/', {
      ...linkParts(mail, 'nl/password-reset'), new_password: 'Another-Harbour-43', re_new_password: 'Another-Harbour-43',
    })
    assert.equal(again.status, 400)
    assert.deepEqual(again.body, { token: ['Invalid token for given user.'] })
  })

  it('When the id arrives as a form string, then it is accepted like DRF\'s IntegerField', async () => {
    const university = await registerUniversity(server)
    const res = await api.call('POST', '/api/university/approve/', {
      body: new URLSearchParams({ university_id: String(university.id) }), bearer: siteAdmin.access,
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, APPROVED)
  })

  for (const bad of badIdCases('university_id')) {
    it(`When university_id is ${bad.name}, then ${bad.status} answers the contract's error`, async () => {
      const res = await approveAs(siteAdmin, bad.body)
      assert.equal(res.status, bad.status)
      assert.deepEqual(res.body, bad.expected)
    })
  }

  it('When the caller is anonymous, then 401 comes before any check of the body', async () => {
    const university = await registerUniversity(server)
    for (const body of [{ university_id: university.id }, {}]) {
      const res = await approveAs(null, body)
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    }
    const pending = await server.db.selectFrom('universities').select('isApproved').where('id', '=', university.id).executeTakeFirstOrThrow()
    assert.equal(pending.isApproved, 0)
  })

  it('When a student, a moderator or a university admin approves, then 403, even their own or with a bad body', async () => {
    const { university: own, admin } = await approvedUniversity(server, siteAdmin)
    const moderator = await loginModerator(server, own.id)
    const student = await loginStudent(server)
    const pending = await registerUniversity(server)
    for (const user of [student, moderator, admin]) {
      for (const body of [{ university_id: pending.id }, { university_id: 'abc' }]) {
        const res = await approveAs(user, body)
        assert.equal(res.status, 403)
        assert.deepEqual(res.body, NOT_PERMITTED)
      }
    }
    const row = await server.db.selectFrom('universities').select('isApproved').where('id', '=', pending.id).executeTakeFirstOrThrow()
    assert.equal(row.isApproved, 0)
  })

  it('When the method is GET, then 401 for an anonymous caller, else 405 naming POST', async () => {
    const anonymous = await api.get('/api/university/approve/')
    assert.equal(anonymous.status, 401)
    const res = await api.get('/api/university/approve/', { bearer: siteAdmin.access })
    assert.equal(res.status, 405)
    assert.deepEqual(res.body, { detail: 'Method "GET" not allowed.' })
    assert.equal(res.headers.get('allow'), 'OPTIONS, POST')
  })

  it('When an approved university is approved again, then 200 and its admin keeps their role', async () => {
    const { university } = await approvedUniversity(server, siteAdmin)
    const res = await approveAs(siteAdmin, { university_id: university.id })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, APPROVED)
    const admin = await server.db.selectFrom('users').select(['userType', 'isActive']).where('id', '=', university.adminId).executeTakeFirstOrThrow()
    assert.deepEqual(admin, { userType: 1, isActive: 1 })
  })
})
