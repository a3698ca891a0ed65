import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { registerSiteAdmin, userIdOf } from '../helpers/universities.ts'

const NOT_FOUND = { detail: 'Not found.' }
const FORBIDDEN = { detail: 'You do not have permission to perform this action.' }

describe('/api/users/ and /api/users/{id}/', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function signedIn(register = registerAndActivate) {
    const user = await register(server)
    const { access } = await login(api, user.email, user.password)
    const id = await userIdOf(server.db, user.email)
    const short = { id, email: user.email, username: user.username, first_name: 'Ada', last_name: 'Lovelace' }
    return { user, id, access, short }
  }

  it('When the caller is anonymous, then the list and the detail answer 401', async () => {
    for (const path of ['/api/users/', '/api/users/1/']) {
      const res = await api.get(path)
      assert.equal(res.status, 401, path)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' }, path)
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
    }
  })

  it('When a normal user lists users, then only themself in the short form', async () => {
    await registerAndActivate(server)
    const { access, short } = await signedIn()
    const res = await api.get('/api/users/', { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, [short])
  })

  it('When a site admin lists users, then everyone, ordered by id, in the short form', async () => {
    const admin = await signedIn(registerSiteAdmin)
    const rows = await server.db.selectFrom('users').select(['id', 'email', 'username', 'firstName', 'lastName']).orderBy('id').execute()
    const res = await api.get('/api/users/', { bearer: admin.access })
    assert.equal(res.status, 200)
    assert.ok(rows.length >= 3)
    assert.deepEqual(res.body, rows.map((r) => ({ id: r.id, email: r.email, username: r.username, first_name: r.firstName, last_name: r.lastName })))
  })

  it('When a user reads, updates or patches their own id, then 200 answers the short user', async () => {
    const { id, access, short } = await signedIn()
    const read = await api.get(`/api/users/${id}/`, { bearer: access })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body, short)
    const put = await api.put(`/api/users/${id}/`, { first_name: 'Grace', last_name: 'Hopper', username: short.username }, { bearer: access })
    assert.equal(put.status, 200)
    assert.deepEqual(put.body, { ...short, first_name: 'Grace', last_name: 'Hopper' })
    const patch = await api.patch(`/api/users/${id}/`, { last_name: 'Byron' }, { bearer: access })
    assert.equal(patch.status, 200)
    assert.deepEqual(patch.body, { ...short, first_name: 'Grace', last_name: 'Byron' })
  })

  it('When PUT lacks the names, then they are required', async () => {
    const { id, access } = await signedIn()
    const res = await api.put(`/api/users/${id}/`, {}, { bearer: access })
    assert.equal(res.status, 400)
    const required = ['This field is required.']
    assert.deepEqual(res.body, { first_name: required, last_name: required, username: required })
  })

  it('When email, id or user_type are sent, then they are read-only and ignored', async () => {
    const { id, access, short } = await signedIn()
    const res = await api.patch(`/api/users/${id}/`, { email: 'new@example.com', id: id + 100, user_type: 0 }, { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, short)
    const row = await server.db.selectFrom('users').select(['email', 'userType']).where('id', '=', id).executeTakeFirstOrThrow()
    assert.deepEqual(row, { email: short.email, userType: 5 })
  })

  it('When the username is taken, then 400 with the duplicate message', async () => {
    const other = await registerAndActivate(server)
    const { id, access } = await signedIn()
    const res = await api.patch(`/api/users/${id}/`, { username: other.username.toUpperCase() }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { username: ['user with this username already exists.'] })
  })

  it('When a normal user addresses another id, then 404 for GET/PUT/PATCH and 403 for DELETE, and nothing changes', async () => {
    const other = await signedIn()
    const { user, access } = await signedIn()
    const names = { first_name: 'Mallory', last_name: 'X', username: 'mallory' }
    for (const [method, body] of [['GET', undefined], ['PUT', names], ['PATCH', names]] as const) {
      const res = await api.call(method, `/api/users/${other.id}/`, { bearer: access, json: body })
      assert.equal(res.status, 404, method)
      assert.deepEqual(res.body, NOT_FOUND, method)
    }
    const del = await api.delete(`/api/users/${other.id}/`, { current_password: user.password }, { bearer: access })
    assert.equal(del.status, 403)
    assert.deepEqual(del.body, FORBIDDEN)
    const unchanged = await api.get(`/api/users/${other.id}/`, { bearer: other.access })
    assert.deepEqual(unchanged.body, other.short)
  })

  it('When the id is not an integer or names nobody, then 404', async () => {
    const { access } = await signedIn()
    const admin = await signedIn(registerSiteAdmin)
    for (const [path, bearer] of [['/api/users/abc/', access], ['/api/users/1.5/', access], ['/api/users/-1/', admin.access],
      ['/api/users/99999/', admin.access], ['/api/users/99999999999999999999/', admin.access]] as const) {
      const res = await api.get(path, { bearer })
      assert.equal(res.status, 404, path)
      assert.deepEqual(res.body, NOT_FOUND, path)
    }
    const del = await api.delete('/api/users/99999/', {}, { bearer: admin.access })
    assert.equal(del.status, 404)
  })

  it('When a site admin reads and updates another user, then 200 and the email stays', async () => {
    const admin = await signedIn(registerSiteAdmin)
    const other = await signedIn()
    const read = await api.get(`/api/users/${other.id}/`, { bearer: admin.access })
    assert.equal(read.status, 200)
    assert.deepEqual(read.body, other.short)
    const patch = await api.patch(`/api/users/${other.id}/`, { first_name: 'Renamed', email: 'x@example.com' }, { bearer: admin.access })
    assert.equal(patch.status, 200)
    assert.deepEqual(patch.body, { ...other.short, first_name: 'Renamed' })
  })

  it('When a site admin deletes another user without a password, then 204 and that account is gone', async () => {
    const admin = await signedIn(registerSiteAdmin)
    const other = await signedIn()
    const res = await api.delete(`/api/users/${other.id}/`, undefined, { bearer: admin.access })
    assert.equal(res.status, 204)
    assert.equal(res.text, '')
    assert.equal((await api.get(`/api/users/${other.id}/`, { bearer: admin.access })).status, 404)
    assert.equal((await api.get('/api/users/me/', { bearer: other.access })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: other.user.email, password: other.user.password })).status, 401)
  })

  it('When a user deletes their own id, then the current password is needed', async () => {
    const { user, id, access } = await signedIn()
    const missing = await api.delete(`/api/users/${id}/`, {}, { bearer: access })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { current_password: ['This field is required.'] })
    const wrong = await api.delete(`/api/users/${id}/`, { current_password: 'wrong-password' }, { bearer: access })
    assert.equal(wrong.status, 400)
    assert.deepEqual(wrong.body, { current_password: ['Invalid password.'] })
    const res = await api.delete(`/api/users/${id}/`, { current_password: user.password }, { bearer: access })
    assert.equal(res.status, 204)
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
  })

  it('When a site admin deletes their own id, then the current password is needed too', async () => {
    const admin = await signedIn(registerSiteAdmin)
    const missing = await api.delete(`/api/users/${admin.id}/`, {}, { bearer: admin.access })
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { current_password: ['This field is required.'] })
  })
})
