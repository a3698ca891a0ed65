import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'

const BAD_UID = { uid: ["Invalid user id or user doesn't exist."] }
const BAD_TOKEN = { token: ['Invalid token for given user.'] }

describe('POST /api/users/activation/', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  /** Registers an account and returns its body and the uid/token of its activation mail. */
  async function registered() {
    const body = newUser()
    const created = await api.post('/api/users/', body)
    assert.equal(created.status, 201)
    const mail = await server.mail.waitFor((m) => m.to === body.email && m.subject === 'Account activation on UniLink')
    return { body, link: linkParts(mail, 'nl/activation') }
  }

  it('When the uid and token of the activation mail are sent, then 204 and the user can log in', async () => {
    const { body, link } = await registered()
    const res = await api.post('/api/users/activation/', link)
    assert.equal(res.status, 204)
    assert.equal(res.text, '')
    const { access } = await login(api, body.email, body.password)
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
  })

  it('When the uid names no user or is malformed, then 400 names the uid', async () => {
    const { link } = await registered()
    // 3000000000 fits no integer column: it names nobody rather than failing the query on PostgreSQL.
    for (const uid of [Buffer.from('999999').toString('base64url'), Buffer.from('3000000000').toString('base64url'), 'not-a-uid!', 'MA']) {
      const res = await api.post('/api/users/activation/', { uid, token: link.token })
      assert.equal(res.status, 400, uid)
      assert.deepEqual(res.body, BAD_UID, uid)
    }
  })

  it('When the token is wrong or belongs to another user, then 400 names the token and the user stays inactive', async () => {
    const first = await registered()
    const second = await registered()
    const tampered = `${first.link.token.slice(0, -1)}${first.link.token.endsWith('0') ? '1' : '0'}`
    for (const token of [second.link.token, 'abc-123', tampered]) {
      const res = await api.post('/api/users/activation/', { uid: first.link.uid, token })
      assert.equal(res.status, 400, token)
      assert.deepEqual(res.body, BAD_TOKEN, token)
    }
    const refused = await api.post('/api/jwt/create/', { email: first.body.email, password: first.body.password })
    assert.equal(refused.status, 401)
  })

  it('When uid or token is missing or blank, then the field errors are reported', async () => {
    const missing = await api.post('/api/users/activation/', {})
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { uid: ['This field is required.'], token: ['This field is required.'] })
    const blank = await api.post('/api/users/activation/', { uid: '', token: ' ' })
    assert.equal(blank.status, 400)
    assert.deepEqual(blank.body, { uid: ['This field may not be blank.'], token: ['This field may not be blank.'] })
  })

  it('When the account is already active, then 403 says the token is stale', async () => {
    const { link } = await registered()
    assert.equal((await api.post('/api/users/activation/', link)).status, 204)
    const res = await api.post('/api/users/activation/', link)
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, { detail: 'Stale token for given user.' })
  })

  it('When a password-reset token is sent as activation token, then it is refused (tokens are bound to their purpose)', async () => {
    const user = await registerAndActivate(server)
    // A used account (it has logged in): the one a stolen reset link would be replayed against.
    await login(api, user.email, user.password)
    assert.equal((await api.post('/api/users/reset_password/', { email: user.email })).status, 204)
    const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject === 'Password reset on UniLink')
    const reset = linkParts(mail, 'nl/password-reset')
    // Deactivated so that only the token's purpose, not the account's state, can refuse it.
    await server.db.updateTable('users').set({ isActive: 0 }).where('email', '=', user.email).execute()
    const res = await api.post('/api/users/activation/', reset)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, BAD_TOKEN)
    const row = await server.db.selectFrom('users').select('isActive').where('email', '=', user.email).executeTakeFirstOrThrow()
    assert.equal(row.isActive, 0)
  })

  it('When a deactivated account asks for activation, then no mail is queued and its old link is stale', async () => {
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    const mail = await server.mail.waitFor((m) => m.to === body.email && m.subject.startsWith('Account activation'))
    const link = linkParts(mail, 'nl/activation')
    assert.equal((await api.post('/api/users/activation/', link)).status, 204)
    // Deactivation (by an operator, or a disapproval) records the instant before which tokens are void.
    await server.db.updateTable('users').set({ isActive: 0, tokensValidAfter: Date.now() }).where('email', '=', body.email).execute()
    const before = await server.db.selectFrom('outboxMails').select('id').where('recipient', '=', body.email).execute()
    assert.equal((await api.post('/api/users/resend_activation/', { email: body.email })).status, 204)
    // Resends are handled after their answer, one after another: once a later one's mail is queued, this one is done.
    const later = newUser()
    assert.equal((await api.post('/api/users/', later)).status, 201)
    const laterFirst = await server.mail.waitFor((m) => m.to === later.email)
    assert.equal((await api.post('/api/users/resend_activation/', { email: later.email })).status, 204)
    await server.mail.waitFor((m) => m.to === later.email && m !== laterFirst)
    const after = await server.db.selectFrom('outboxMails').select('id').where('recipient', '=', body.email).execute()
    assert.equal(after.length, before.length)
    const res = await api.post('/api/users/activation/', link)
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, { detail: 'Stale token for given user.' })
  })
})
