import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'

const SUBJECT = 'Account activation on UniLink'

describe('POST /api/users/resend_activation/', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  const mailsTo = (email: string) => server.mail.mails.filter((m) => m.to === email)
  const queuedFor = async (email: string) =>
    (await server.db.selectFrom('outboxMails').select('id').where('recipient', '=', email).execute()).length

  it('When the email is unknown, active or inactive, then 204 and only the inactive account gets a new mail', async () => {
    const active = await registerAndActivate(server)
    const inactive = newUser()
    assert.equal((await api.post('/api/users/', inactive)).status, 201)
    const first = await server.mail.waitFor((m) => m.to === inactive.email && m.subject === SUBJECT)
    const unknown = newUser().email
    const activeMailsBefore = mailsTo(active.email).length

    for (const email of [unknown, active.email, inactive.email]) {
      const res = await api.post('/api/users/resend_activation/', { email })
      assert.equal(res.status, 204, email)
      assert.equal(res.text, '', email)
    }
    const second = await server.mail.waitFor((m) => m.to === inactive.email && m.subject === SUBJECT && m !== first)

    assert.deepEqual(mailsTo(unknown), [])
    assert.equal(mailsTo(active.email).length, activeMailsBefore)
    // The outbox is the queue: nothing was even recorded for the other two, so nothing can arrive later.
    assert.equal(await queuedFor(unknown), 0)
    assert.equal(await queuedFor(active.email), 1)
    assert.equal(await queuedFor(inactive.email), 2)
    assert.match(second.html, /nl\/activation\//)
  })

  it('When the resent link is followed, then the account is activated', async () => {
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    const first = await server.mail.waitFor((m) => m.to === body.email && m.subject === SUBJECT)
    assert.equal((await api.post('/api/users/resend_activation/', { email: body.email.toUpperCase() })).status, 204)
    const resent = await server.mail.waitFor((m) => m.to === body.email && m.subject === SUBJECT && m !== first)
    assert.equal((await api.post('/api/users/activation/', linkParts(resent, 'nl/activation'))).status, 204)
    await login(api, body.email, body.password)
  })

  it('When the inactive account has no usable password (a pending university admin), then 204 and no mail', async () => {
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    await server.mail.waitFor((m) => m.to === body.email && m.subject === SUBJECT)
    // What university creation stores for its admin (API.md §8): Django's set_unusable_password().
    await server.db.updateTable('users').set({ password: '!unusable0123456789' }).where('email', '=', body.email).execute()
    const res = await api.post('/api/users/resend_activation/', { email: body.email })
    assert.equal(res.status, 204)
    assert.equal(await queuedFor(body.email), 1)
  })

  it('When the email is malformed or missing, then 400 names the email field', async () => {
    const invalid = await api.post('/api/users/resend_activation/', { email: 'not-an-email' })
    assert.equal(invalid.status, 400)
    assert.deepEqual(invalid.body, { email: ['Enter a valid email address.'] })
    const missing = await api.post('/api/users/resend_activation/', {})
    assert.equal(missing.status, 400)
    assert.deepEqual(missing.body, { email: ['This field is required.'] })
  })
})
