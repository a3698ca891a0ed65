import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

const NEW_PASSWORD = 'brandNewSecret!42'

describe('POST /api/users/set_password/', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function loggedIn(overrides: Record<string, unknown> = {}) {
    const user = await registerAndActivate(server, overrides)
    const tokens = await login(api, user.email, user.password)
    return { user, ...tokens }
  }

  it('When the current password is right and the new one valid, then 204 and only the new password logs in', async () => {
    const { user, access } = await loggedIn()
    const res = await api.post('/api/users/set_password/',
      { current_password: user.password, new_password: NEW_PASSWORD, re_new_password: NEW_PASSWORD }, { bearer: access })
    assert.equal(res.status, 204)
    assert.equal(res.text, '')

    const old = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    assert.equal(old.status, 401)
    assert.deepEqual(old.body, { detail: 'No active account found with the given credentials' })
    const fresh = await api.post('/api/jwt/create/', { email: user.email, password: NEW_PASSWORD })
    assert.equal(fresh.status, 200)
  })

  it('When the current password is wrong, then 400 with that field error alone (object-level checks are not run)', async () => {
    const { access } = await loggedIn()
    // The new password is both invalid and mismatched: neither is reported while a field-level check fails.
    const res = await api.post('/api/users/set_password/',
      { current_password: 'notMyPassword1!', new_password: '123', re_new_password: '456' }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { current_password: ['Invalid password.'] })
  })

  it('When the current password is wrong and a field is missing, then both field errors at once', async () => {
    const { access } = await loggedIn()
    const res = await api.post('/api/users/set_password/', { current_password: 'notMyPassword1!', new_password: NEW_PASSWORD }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { current_password: ['Invalid password.'], re_new_password: ['This field is required.'] })
  })

  it('When the body is empty, then every field is required', async () => {
    const { access } = await loggedIn()
    const res = await api.post('/api/users/set_password/', {}, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      current_password: ['This field is required.'],
      new_password: ['This field is required.'],
      re_new_password: ['This field is required.'],
    })
  })

  it('When the new password fails the validators, then their messages under new_password and the password is unchanged', async () => {
    const { user, access } = await loggedIn()
    const res = await api.post('/api/users/set_password/',
      { current_password: user.password, new_password: '1234567', re_new_password: '1234567' }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      new_password: [
        'This password is too short. It must contain at least 8 characters.',
        'This password is too common.',
        'This password is entirely numeric.',
      ],
    })
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 200)
  })

  it('When the new password is too similar to the username, then the similarity message', async () => {
    const { user, access } = await loggedIn({ username: 'countess_lovelace' })
    const res = await api.post('/api/users/set_password/',
      { current_password: user.password, new_password: user.username, re_new_password: user.username }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { new_password: ['The password is too similar to the username.'] })
  })

  it('When the two new passwords differ, then non_field_errors', async () => {
    const { user, access } = await loggedIn()
    const res = await api.post('/api/users/set_password/',
      { current_password: user.password, new_password: NEW_PASSWORD, re_new_password: `${NEW_PASSWORD}x` }, { bearer: access })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { non_field_errors: ["The two password fields didn't match."] })
  })

  it('When the request is anonymous, then 401 with the Bearer challenge', async () => {
    const res = await api.post('/api/users/set_password/', { current_password: 'x', new_password: NEW_PASSWORD, re_new_password: NEW_PASSWORD })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
  })

  it('When the password has changed, then tokens issued before stop working and a new login works', async () => {
    const { user, access, refresh } = await loggedIn()
    const other = await login(api, user.email, user.password)
    const res = await api.post('/api/users/set_password/',
      { current_password: user.password, new_password: NEW_PASSWORD, re_new_password: NEW_PASSWORD }, { bearer: access })
    assert.equal(res.status, 204)

    for (const token of [access, other.access]) {
      const me = await api.get('/api/users/me/', { bearer: token })
      assert.equal(me.status, 401)
      assert.deepEqual(me.body, { detail: 'Authentication credentials were not provided.' })
    }
    for (const token of [refresh, other.refresh]) {
      const refreshed = await api.post('/api/jwt/refresh/', { refresh: token })
      assert.equal(refreshed.status, 401)
      assert.deepEqual(refreshed.body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    }

    const after = await login(api, user.email, NEW_PASSWORD)
    const me = await api.get('/api/users/me/', { bearer: after.access })
    assert.equal(me.status, 200)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: after.refresh })).status, 200)
  })
})
