import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'

const NEW_PASSWORD = 'an0ther-Secret!'

/** Asserts that the tokens of a login before the change are dead everywhere. */
async function assertRevoked(api: Client, tokens: { access: string; refresh: string }) {
  assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 401)
  assert.equal((await api.get('/api/users/me/', { cookies: { access: tokens.access } })).status, 401)
  assert.deepEqual((await api.post('/api/jwt/verify/', { token: tokens.access })).body,
    { detail: 'Token is invalid or expired', code: 'token_not_valid' })
  assert.deepEqual((await api.post('/api/jwt/refresh/', { refresh: tokens.refresh })).body,
    { detail: 'Token is blacklisted', code: 'token_not_valid' })
}

describe('Account changes revoke earlier tokens (API.md §11)', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('When the password is set, then earlier tokens die and a login right after works', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const before = await login(api, user.email, user.password)
    const res = await api.post(
      '/api/users/set_password/',
      { current_password: user.password, new_password: NEW_PASSWORD, re_new_password: NEW_PASSWORD },
      { bearer: before.access },
    )
    assert.equal(res.status, 204)
    await assertRevoked(api, before)
    const after = await login(api, user.email, NEW_PASSWORD)
    assert.equal((await api.get('/api/users/me/', { bearer: after.access })).status, 200)
  })

  it('When the password is reset by mail, then earlier tokens die', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const before = await login(api, user.email, user.password)
    await api.post('/api/users/reset_password/', { email: user.email })
    const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject.startsWith('Password reset'))
    const res = await api.post(
      '/api/users/reset_password_confirm/',
      { ...linkParts(mail, 'nl/password-reset'), new_password: NEW_PASSWORD, re_new_password: NEW_PASSWORD },
    )
    assert.equal(res.status, 204)
    await assertRevoked(api, before)
  })

  it('When the email is changed, then earlier tokens die', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const before = await login(api, user.email, user.password)
    const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: `new.${user.email}` }, { bearer: before.access })
    assert.equal(res.status, 204)
    await assertRevoked(api, before)
  })

  it('When the account is deleted, then its tokens die', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const before = await login(api, user.email, user.password)
    assert.equal((await api.delete('/api/users/me/', { current_password: user.password }, { bearer: before.access })).status, 204)
    assert.equal((await api.get('/api/users/me/', { bearer: before.access })).status, 401)
    assert.equal((await api.post('/api/jwt/verify/', { token: before.access })).status, 401)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: before.refresh })).status, 401)
  })

  it('When the account is deactivated, then its tokens stop working', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const before = await login(api, user.email, user.password)
    await server.db.updateTable('users').set({ isActive: 0 }).where('email', '=', user.email).execute()
    assert.equal((await api.get('/api/users/me/', { bearer: before.access })).status, 401)
    assert.equal((await api.post('/api/jwt/verify/', { token: before.access })).status, 401)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: before.refresh })).status, 401)
  })

  it('When a user logs out, then the access token of the call and the refresh cookie are dead everywhere', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const tokens = await login(api, user.email, user.password)
    const out = await api.post('/api/logout/', undefined, { cookies: { access: tokens.access, refresh: tokens.refresh } })
    assert.equal(out.status, 204)
    await assertRevoked(api, tokens)
  })
})
