import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { insertDepartment, insertUniversity, setUserType, userIdOf } from '../helpers/universities.ts'

type FullUser = {
  id: number; first_name: string; last_name: string; username: string; email: string
  university: number | null; department: number | null; profile_picture: string; user_type: number
}

const invalidPk = (id: number) => [`Invalid pk "${id}" - object does not exist.`]

describe('/api/users/me/', () => {
  let server: TestServer
  let api: Client
  let uni: number
  let otherUni: number
  let pending: number
  let banned: number
  let dep: number
  let otherDep: number

  before(async () => {
    server = await startServer()
    api = client(server.base)
    uni = await insertUniversity(server.db)
    otherUni = await insertUniversity(server.db)
    pending = await insertUniversity(server.db, { approved: false })
    banned = await insertUniversity(server.db, { banned: true })
    dep = await insertDepartment(server.db, uni)
    otherDep = await insertDepartment(server.db, otherUni)
  })
  after(async () => { await server.close() })

  /** An active account, logged in; registered with `overrides` (e.g. a university). */
  async function signedIn(overrides: Record<string, unknown> = {}) {
    const user = await registerAndActivate(server, overrides)
    const { access } = await login(api, user.email, user.password)
    const id = await userIdOf(server.db, user.email)
    const get = async () => (await api.get('/api/users/me/', { bearer: access })).body as FullUser
    return { user, id, access, get }
  }

  it('When GET is anonymous, then 401 asks for credentials', async () => {
    const res = await api.get('/api/users/me/')
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
  })

  it('When GET is authenticated, then the full user with an absolute picture URL and user_type 5', async () => {
    const { user, id, access } = await signedIn({ university: uni, department: dep })
    const res = await api.get('/api/users/me/', { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      id, first_name: 'Ada', last_name: 'Lovelace', username: user.username, email: user.email,
      university: uni, department: dep,
      profile_picture: `${server.base}/media/profile_pictures/avatar-male.png`, user_type: 5,
    })
    const picture = await api.get('/media/profile_pictures/avatar-male.png')
    assert.equal(picture.status, 200)
    assert.equal(picture.headers.get('content-type'), 'image/png')
  })

  it('When PUT lacks the names, then first_name, last_name and username are required', async () => {
    const { access } = await signedIn()
    const res = await api.put('/api/users/me/', { department: null }, { bearer: access })
    assert.equal(res.status, 400)
    const required = ['This field is required.']
    assert.deepEqual(res.body, { first_name: required, last_name: required, username: required })
  })

  it('When PUT has the names, then 200 answers the updated full user with the username lower-cased', async () => {
    const { access, get } = await signedIn()
    const username = `Grace${Date.now().toString(36)}`.slice(0, 20)
    const res = await api.put('/api/users/me/', { first_name: 'Grace', last_name: 'Hopper', username }, { bearer: access })
    assert.equal(res.status, 200)
    const expected = { ...await get(), first_name: 'Grace', last_name: 'Hopper', username: username.toLowerCase() }
    assert.deepEqual(res.body, expected)
    assert.deepEqual(await get(), expected)
  })

  it('When PATCH sends a subset, then only those fields change', async () => {
    const { access, get } = await signedIn()
    const before = await get()
    const res = await api.patch('/api/users/me/', { last_name: 'Byron' }, { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { ...before, last_name: 'Byron' })
  })

  it('When id, email, user_type or profile_picture are sent, then they are ignored', async () => {
    const { access, get } = await signedIn()
    const before = await get()
    const res = await api.patch('/api/users/me/', {
      id: before.id + 1000, email: 'changed@example.com', user_type: 0, profile_picture: 'http://evil.example/x.png', first_name: 'Eve',
    }, { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { ...before, first_name: 'Eve' })
    assert.deepEqual(await get(), { ...before, first_name: 'Eve' })
  })

  it('When the username is taken in another case, then 400; keeping one\'s own username is fine', async () => {
    const other = await registerAndActivate(server)
    const { user, access } = await signedIn()
    const taken = await api.patch('/api/users/me/', { username: other.username.toUpperCase(), first_name: '' }, { bearer: access })
    assert.equal(taken.status, 400)
    assert.deepEqual(taken.body, {
      username: ['user with this username already exists.'], first_name: ['This field may not be blank.'],
    })
    const own = await api.patch('/api/users/me/', { username: user.username.toUpperCase() }, { bearer: access })
    assert.equal(own.status, 200)
    assert.equal((own.body as FullUser).username, user.username)
  })

  it('When the username grows past 20 characters once lower-cased, then the limit is reported, not a 500', async () => {
    const { access } = await signedIn()
    const res = await api.patch('/api/users/me/', { username: 'İ'.repeat(11) }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { username: ['Ensure this field has no more than 20 characters.'] })
  })

  it('When a student\'s university is malformed, then only that is reported, not the department', async () => {
    const { access } = await signedIn({ university: uni })
    const res = await api.patch('/api/users/me/', { university: 'abc', department: otherDep }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { university: ['Incorrect type. Expected pk value, received str.'] })
  })

  it('When the department is not of the user\'s university, then 400; one of it is saved', async () => {
    const { access } = await signedIn({ university: uni })
    const wrong = await api.patch('/api/users/me/', { department: otherDep }, { bearer: access })
    assert.equal(wrong.status, 400)
    assert.deepEqual(wrong.body, { department: invalidPk(otherDep) })
    const right = await api.patch('/api/users/me/', { department: String(dep) }, { bearer: access })
    assert.equal(right.status, 200)
    assert.equal((right.body as FullUser).department, dep)
    const cleared = await api.patch('/api/users/me/', { department: '' }, { bearer: access })
    assert.equal((cleared.body as FullUser).department, null)
  })

  it('When a student changes university, then the department is cleared unless one of the new university is given', async () => {
    const { access, get } = await signedIn({ university: uni, department: dep })
    const moved = await api.patch('/api/users/me/', { university: otherUni }, { bearer: access })
    assert.equal(moved.status, 200)
    assert.deepEqual([(moved.body as FullUser).university, (moved.body as FullUser).department], [otherUni, null])
    const back = await api.patch('/api/users/me/', { university: uni, department: dep }, { bearer: access })
    assert.equal(back.status, 200)
    assert.deepEqual([(back.body as FullUser).university, (back.body as FullUser).department], [uni, dep])
    const mismatched = await api.patch('/api/users/me/', { university: otherUni, department: dep }, { bearer: access })
    assert.equal(mismatched.status, 400)
    assert.deepEqual(mismatched.body, { department: invalidPk(dep) })
    const none = await api.patch('/api/users/me/', { university: null }, { bearer: access })
    assert.deepEqual([(none.body as FullUser).university, (none.body as FullUser).department], [null, null])
    assert.equal((await get()).university, null)
  })

  it('When a student picks a university that is not approved, banned or unknown, then 400 and nothing changes', async () => {
    const { access, get } = await signedIn({ university: uni, department: dep })
    const before = await get()
    for (const id of [pending, banned, 9999]) {
      const res = await api.patch('/api/users/me/', { university: id, first_name: 'Changed' }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { university: invalidPk(id) })
    }
    assert.deepEqual(await get(), before)
  })

  it('When a non-student sends a university, then it is ignored', async () => {
    const { user, access, get } = await signedIn({ university: uni, department: dep })
    await setUserType(server.db, user.email, 3)
    const res = await api.patch('/api/users/me/', { university: otherUni, first_name: 'Faculty' }, { bearer: access })
    assert.equal(res.status, 200)
    assert.deepEqual([(res.body as FullUser).university, (res.body as FullUser).department], [uni, dep])
    assert.equal((await get()).first_name, 'Faculty')
    for (const university of [9999, 'abc', pending]) {
      const ignored = await api.patch('/api/users/me/', { university }, { bearer: access })
      assert.equal(ignored.status, 200, String(university))
      assert.equal((ignored.body as FullUser).university, uni)
    }
  })

  describe('DELETE', () => {
    it('When current_password is missing or wrong, then 400 and the account stays', async () => {
      const { user, access } = await signedIn()
      const missing = await api.delete('/api/users/me/', {}, { bearer: access })
      assert.equal(missing.status, 400)
      assert.deepEqual(missing.body, { current_password: ['This field is required.'] })
      const wrong = await api.delete('/api/users/me/', { current_password: 'not-my-password' }, { bearer: access })
      assert.equal(wrong.status, 400)
      assert.deepEqual(wrong.body, { current_password: ['Invalid password.'] })
      await login(api, user.email, user.password)
    })

    it('When current_password is right, then 204 and the account is gone: no login, the old token is refused', async () => {
      const { user, access } = await signedIn()
      const res = await api.delete('/api/users/me/', { current_password: user.password }, { bearer: access })
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      const relogin = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
      assert.equal(relogin.status, 401)
      const me = await api.get('/api/users/me/', { bearer: access })
      assert.equal(me.status, 401)
      assert.deepEqual(me.body, { detail: 'Authentication credentials were not provided.' })
    })
  })
})
