import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { approve, loginSiteAdmin, loginStudent, registerUniversity } from '../helpers/university-flows.ts'
import type { RegisteredUniversity, Staff } from '../helpers/university-flows.ts'

describe('GET /api/university/list/', () => {
  let server: TestServer
  let api: Client
  let siteAdmin: Staff
  let approved: RegisteredUniversity
  let pending: RegisteredUniversity
  let banned: RegisteredUniversity

  before(async () => {
    server = await startServer()
    api = client(server.base)
    siteAdmin = await loginSiteAdmin(server)
    approved = await registerUniversity(server)
    pending = await registerUniversity(server)
    banned = await registerUniversity(server)
    await approve(server, siteAdmin, approved.id)
    await approve(server, siteAdmin, banned.id)
    const ban = await api.post('/api/university/ban/', { university_id: banned.id }, { bearer: siteAdmin.access })
    assert.equal(ban.status, 200)
  })
  after(async () => { await server.close() })

  it('When anyone asks, then 200 lists only the approved, not banned universities in the public form', async () => {
    const res = await api.get('/api/university/list/')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(res.body, [{ id: approved.id, name: approved.name }])
  })

  it('When a signed-in user asks, then they get the same public list', async () => {
    const student = await loginStudent(server)
    const res = await api.get('/api/university/list/', { bearer: student.access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [{ id: approved.id, name: approved.name }])
  })

  it('When a banned university is unbanned and a pending one approved, then both join the list, ordered by id', async () => {
    assert.equal((await api.post('/api/university/unban/', { university_id: banned.id }, { bearer: siteAdmin.access })).status, 200)
    await approve(server, siteAdmin, pending.id)
    const res = await api.get('/api/university/list/')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [approved, pending, banned].map((u) => ({ id: u.id, name: u.name })))
  })

  it('When the path lacks its trailing slash, then 301 points to the slashed path', async () => {
    const res = await api.get('/api/university/list')
    assert.equal(res.status, 301)
    assert.equal(res.headers.get('location'), '/api/university/list/')
  })

  it('When the method is POST, then 405 names the allowed methods', async () => {
    const res = await api.post('/api/university/list/', {})
    assert.equal(res.status, 405)
    assert.deepEqual(res.body, { detail: 'Method "POST" not allowed.' })
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS')
  })
})
