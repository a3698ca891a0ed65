import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin, newUniversity } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'

const REQUIRED = ['This field is required.']

describe('POST /api/university/create/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff

  before(async () => {
    server = await startServer()
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const universityCount = async () => (await server.db.selectFrom('universities').select('id').execute()).length

  it('When the body is valid, then 200 answers the pending university with its admin as a full user', async () => {
    const body = newUniversity()
    const res = await api.post('/api/university/create/', {
      ...body, admin: { ...body.admin, email: body.admin.email.toUpperCase(), username: body.admin.username.toUpperCase() },
    })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    const created = res.body as { id: number; admin: { id: number } }
    assert.deepEqual(res.body, {
      id: created.id, name: body.name, domain: body.domain, doc_url: body.doc_url,
      admin: {
        id: created.admin.id, first_name: 'Grace', last_name: 'Hopper', username: body.admin.username, email: body.admin.email,
        university: created.id, department: null, profile_picture: '/media/profile_pictures/avatar-male.png', user_type: 5,
      },
      is_approved: false, is_banned: false,
    })
  })

  it('When a university is registered, then its admin account is inactive, without a usable password, and linked both ways', async () => {
    const body = newUniversity()
    const res = await api.post('/api/university/create/', body)
    assert.equal(res.status, 200)
    const { id } = res.body as { id: number }
    const university = await server.db.selectFrom('universities').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const admin = await server.db.selectFrom('users').selectAll().where('email', '=', body.admin.email).executeTakeFirstOrThrow()
    assert.equal(university.adminId, admin.id)
    assert.equal(admin.universityId, id)
    assert.equal(admin.isActive, 0)
    assert.equal(admin.userType, 5)
    assert.match(admin.password, /^![A-Za-z0-9]{40}$/)
    const loginAttempt = await api.post('/api/jwt/create/', { email: body.admin.email, password: admin.password })
    assert.equal(loginAttempt.status, 401)
  })

  it('When a university is registered, then it is pending: listed for the site admin, not publicly', async () => {
    const { id } = (await api.post('/api/university/create/', newUniversity())).body as { id: number }
    const pending = (await api.get('/api/university/pending/', { bearer: siteAdmin.access })).body as { id: number }[]
    assert.ok(pending.some((u) => u.id === id))
    const publicList = (await api.get('/api/university/list/')).body as { id: number }[]
    assert.ok(!publicList.some((u) => u.id === id))
  })

  it('When doc_url is absent, then the university is created with an empty doc_url', async () => {
    const body: Record<string, unknown> = newUniversity()
    delete body.doc_url
    const res = await api.post('/api/university/create/', body)
    assert.equal(res.status, 200)
    assert.equal((res.body as { doc_url: string }).doc_url, '')
  })

  it('When the body sends privileged admin fields, then they are ignored: the admin is an inactive student-type account', async () => {
    const body = newUniversity({ is_approved: true, is_banned: true }, { user_type: 0, is_active: true, is_staff: true })
    const res = await api.post('/api/university/create/', body)
    assert.equal(res.status, 200)
    const created = res.body as { is_approved: boolean; is_banned: boolean; admin: { user_type: number } }
    assert.equal(created.is_approved, false)
    assert.equal(created.is_banned, false)
    assert.equal(created.admin.user_type, 5)
    const admin = await server.db.selectFrom('users').selectAll().where('email', '=', body.admin.email).executeTakeFirstOrThrow()
    assert.equal(admin.isActive, 0)
    assert.equal(admin.isStaff, 0)
  })

  it('When the body is empty, then 400 lists every required field', async () => {
    const res = await api.post('/api/university/create/', {})
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { name: REQUIRED, domain: REQUIRED, admin: REQUIRED })
  })

  it('When the admin email is invalid, then 400 nests the error under admin', async () => {
    const before = await universityCount()
    const res = await api.post('/api/university/create/', newUniversity({}, { email: 'not-an-email' }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { admin: { email: ['Enter a valid email address.'] } })
    assert.equal(await universityCount(), before)
  })

  it('When the admin object is empty, then 400 nests every required admin field', async () => {
    const res = await api.post('/api/university/create/', newUniversity({ admin: {} }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { admin: { first_name: REQUIRED, last_name: REQUIRED, username: REQUIRED, email: REQUIRED } })
  })

  it('When admin is not an object, then 400 nests DRF\'s dictionary error; when null, the null error', async () => {
    const text = await api.post('/api/university/create/', newUniversity({ admin: 'grace' }))
    assert.equal(text.status, 400)
    assert.deepEqual(text.body, { admin: { non_field_errors: ['Invalid data. Expected a dictionary, but got str.'] } })
    const nul = await api.post('/api/university/create/', newUniversity({ admin: null }))
    assert.equal(nul.status, 400)
    assert.deepEqual(nul.body, { admin: ['This field may not be null.'] })
  })

  it('When fields are too long or blank, then 400 reports each with DRF\'s messages', async () => {
    const res = await api.post('/api/university/create/', newUniversity({ name: 'n'.repeat(101), domain: '  ' }, { username: 'u'.repeat(21) }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      name: ['Ensure this field has no more than 100 characters.'],
      domain: ['This field may not be blank.'],
      admin: { username: ['Ensure this field has no more than 20 characters.'] },
    })
  })

  it('When the admin email or username is taken (in another case), then 400 nests the duplicate messages and nothing is created', async () => {
    const existing = await registerAndActivate(server)
    const before = await universityCount()
    const res = await api.post('/api/university/create/', newUniversity({}, {
      email: existing.email.toUpperCase(), username: existing.username.toUpperCase(),
    }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      admin: { email: ['user with this email already exists.'], username: ['user with this username already exists.'] },
    })
    assert.equal(await universityCount(), before)
  })

  it('When a top-level field is invalid and the admin email is taken, then both are reported at once', async () => {
    const existing = await registerAndActivate(server)
    const res = await api.post('/api/university/create/', newUniversity({ name: '' }, { email: existing.email }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { name: ['This field may not be blank.'], admin: { email: ['user with this email already exists.'] } })
  })

  it('When an admin field is invalid and the admin email is taken, then both are reported under admin', async () => {
    const existing = await registerAndActivate(server)
    const before = await universityCount()
    const res = await api.post('/api/university/create/', newUniversity({}, { email: existing.email, first_name: '', username: 'u'.repeat(21) }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      admin: {
        first_name: ['This field may not be blank.'], username: ['Ensure this field has no more than 20 characters.'],
        email: ['user with this email already exists.'],
      },
    })
    assert.equal(await universityCount(), before)
  })

  it('When doc_url is not an http(s) URL, then 400 "Enter a valid URL." and nothing is created (@see issue 12)', async () => {
    const before = await universityCount()
    for (const docUrl of ['javascript:alert(1)', 'JavaScript://example.edu/%0aalert(1)', 'data:text/html,<b>x</b>', 'ftp://example.edu/a.pdf',
      'http:example.edu', 'http://example', 'https://exa mple.edu/', 'example.edu/charter.pdf', 'http://[::g]/']) {
      const res = await api.post('/api/university/create/', newUniversity({ doc_url: docUrl }))
      assert.equal(res.status, 400, docUrl)
      assert.deepEqual(res.body, { doc_url: ['Enter a valid URL.'] }, docUrl)
    }
    assert.equal(await universityCount(), before)
    for (const docUrl of ['HTTPS://Example.EDU/Charter.pdf?x=1#p2', 'http://localhost:8000/a', 'http://10.0.0.1/a', 'http://[::1]/a', '']) {
      const res = await api.post('/api/university/create/', newUniversity({ doc_url: docUrl }))
      assert.equal(res.status, 200, docUrl)
      assert.equal((res.body as { doc_url: string }).doc_url, docUrl)
    }
  })

  it('When an admin name holds a lone UTF-16 surrogate, then 400 nests "Not a valid string." under admin (@see issue 12)', async () => {
    const res = await api.post('/api/university/create/', newUniversity({ name: 'U\udc00' }, { first_name: '\ud800' }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { name: ['Not a valid string.'], admin: { first_name: ['Not a valid string.'] } })
  })

  it('When the body is a form, then the flat fields are read and the missing admin is reported', async () => {
    const res = await api.call('POST', '/api/university/create/', {
      body: new URLSearchParams({ name: 'Form University', domain: 'form.example.edu' }),
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { admin: REQUIRED })
  })
})
