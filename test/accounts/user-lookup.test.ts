import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { insertDepartment, insertUniversity, userIdOf } from '../helpers/universities.ts'

const ANONYMOUS = { detail: 'Authentication credentials were not provided.' }

describe('GET /api/user/?user_id=N and GET /api/', () => {
  let server: TestServer
  let api: Client
  let access: string

  before(async () => {
    server = await startServer()
    api = client(server.base)
    const viewer = await registerAndActivate(server)
    access = (await login(api, viewer.email, viewer.password)).access
  })
  after(async () => { await server.close() })

  it('When the id names a user, then the full user with a site-relative picture', async () => {
    const university = await insertUniversity(server.db)
    const department = await insertDepartment(server.db, university)
    const other = await registerAndActivate(server, { university, department, first_name: 'Grace', last_name: 'Hopper' })
    const id = await userIdOf(server.db, other.email)
    const res = await api.get(`/api/user/?user_id=${id}`, { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      id, first_name: 'Grace', last_name: 'Hopper', username: other.username, email: other.email,
      university, department, profile_picture: '/media/profile_pictures/avatar-male.png', user_type: 5,
    })
  })

  it('When the id names an inactive user, then that user is found too', async () => {
    const pending = {
      first_name: 'Ina',
      last_name: 'Ctive',
      username: 'inactive1',
      email: 'inactive1@example.com',
      password: 'myTestPass123.',
      re_password: 'myTestPass123.',
    }
    assert.equal((await api.post('/api/users/', pending)).status, 201)
    const id = await userIdOf(server.db, pending.email)
    const res = await api.get(`/api/user/?user_id=${id}`, { bearer: access })
    assert.equal(res.status, 200)
    assert.equal((res.body as { email: string }).email, pending.email)
  })

  it('When user_id is repeated, then the last value counts, as in Django\'s QueryDict', async () => {
    const other = await registerAndActivate(server, { first_name: 'Last', last_name: 'Value' })
    const id = await userIdOf(server.db, other.email)
    const res = await api.get(`/api/user/?user_id=abc&user_id=${id}`, { bearer: access })
    assert.equal(res.status, 200)
    assert.equal((res.body as { id: number; email: string }).email, other.email)
    const invalidLast = await api.get(`/api/user/?user_id=${id}&user_id=abc`, { bearer: access })
    assert.equal(invalidLast.status, 400)
    assert.deepEqual(invalidLast.body, { user_id: ['A valid integer is required.'] })
  })

  it('When the id names nobody, then 404', async () => {
    for (const id of ['999999', '0', '-3', '99999999999']) {
      const res = await api.get(`/api/user/?user_id=${id}`, { bearer: access })
      assert.equal(res.status, 404, id)
      assert.deepEqual(res.body, { detail: 'Not found.' }, id)
    }
  })

  it('When user_id is not an integer, then 400 says so; when it is missing, then it is required', async () => {
    for (const id of ['abc', '1.5', '', '1e3']) {
      const res = await api.get(`/api/user/?user_id=${encodeURIComponent(id)}`, { bearer: access })
      assert.equal(res.status, 400, id)
      assert.deepEqual(res.body, { user_id: ['A valid integer is required.'] }, id)
    }
    const missing = await api.get('/api/user/', { bearer: access })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { user_id: ['This field is required.'] })
  })

  it('When the lookup is anonymous, then 401', async () => {
    const res = await api.get('/api/user/?user_id=1')
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, ANONYMOUS)
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
  })

  it('When GET /api/ is authenticated, then the absolute URL of the users list', async () => {
    const res = await api.get('/api/', { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { users: `${server.base}/api/users/` })
  })

  it('When GET /api/ is anonymous, then 401', async () => {
    const res = await api.get('/api/')
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, ANONYMOUS)
  })
})
