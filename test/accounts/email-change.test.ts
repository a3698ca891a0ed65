import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'

const SUBJECT = 'Email reset on UniLink'
const TAKEN = { new_email: ['user with this email already exists.'] }
const INVALID_TOKEN = { token: ['Invalid token for given user.'] }

let fresh = 0
/** An address nobody has registered yet. */
const unusedEmail = () => `moved.${process.pid.toString(36)}.${(fresh += 1)}@example.org`

describe('email change', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function loggedIn() {
    const user = await registerAndActivate(server)
    return { user, ...(await login(api, user.email, user.password)) }
  }

  const canLogIn = async (email: string, password: string) =>
    (await api.post('/api/jwt/create/', { email, password })).status === 200

  async function requestEmailReset(email: string) {
    const res = await api.post('/api/users/reset_email/', { email })
    assert.equal(res.status, 204)
    return linkParts(await server.mail.waitFor((m) => m.to === email && m.subject === SUBJECT), 'nl/email-reset')
  }

  describe('POST /api/users/set_email/', () => {
    it('When the password is right and the address free, then 204, stored lower-cased, and login works with it only', async () => {
      const { user, access } = await loggedIn()
      const target = unusedEmail()
      const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: target.toUpperCase() }, { bearer: access })
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      assert.equal(await canLogIn(user.email, user.password), false)
      const after = await login(api, target, user.password)
      const me = await api.get('/api/users/me/', { bearer: after.access })
      assert.equal((me.body as { email: string }).email, target)
    })

    it('When the password is wrong, then 400 under current_password and the email is unchanged', async () => {
      const { user, access } = await loggedIn()
      const res = await api.post('/api/users/set_email/', { current_password: 'wrongPassword1!', new_email: unusedEmail() }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { current_password: ['Invalid password.'] })
      assert.equal(await canLogIn(user.email, user.password), true)
    })

    it('When the new email is invalid, then 400 under new_email', async () => {
      const { user, access } = await loggedIn()
      const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: 'not-an-email' }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { new_email: ['Enter a valid email address.'] })
    })

    it('When the new email belongs to another account (in any case), then 400 with the duplicate message', async () => {
      const { user, access } = await loggedIn()
      const other = await registerAndActivate(server)
      for (const email of [other.email, other.email.toUpperCase()]) {
        const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: email }, { bearer: access })
        assert.equal(res.status, 400)
        assert.deepEqual(res.body, TAKEN)
      }
    })

    it('When the new email grows past 100 characters once lower-cased, then 400 under new_email (not a 500)', async () => {
      const { user, access } = await loggedIn()
      // 100 code points; 'İ' lower-cases to two, and email is stored lower-cased.
      const email = `${'x'.repeat(86)}@\u0130abcdefgh.com`
      const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: email }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { new_email: ['Ensure this field has no more than 100 characters.'] })
    })

    it("When the new email is the user's own, then it counts as taken (Djoser)", async () => {
      const { user, access } = await loggedIn()
      const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: user.email }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, TAKEN)
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 200)
    })

    it('When the password is wrong and the email taken, then both field errors at once', async () => {
      const { access } = await loggedIn()
      const other = await registerAndActivate(server)
      const res = await api.post('/api/users/set_email/', { current_password: 'wrongPassword1!', new_email: other.email }, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { current_password: ['Invalid password.'], ...TAKEN })
    })

    it('When the body is empty, then both fields are required', async () => {
      const { access } = await loggedIn()
      const res = await api.post('/api/users/set_email/', {}, { bearer: access })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { current_password: ['This field is required.'], new_email: ['This field is required.'] })
    })

    it('When the request is anonymous, then 401', async () => {
      const res = await api.post('/api/users/set_email/', { current_password: 'x', new_email: unusedEmail() })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
    })

    it('When the email has changed, then tokens issued before stop working', async () => {
      const { user, access, refresh } = await loggedIn()
      const res = await api.post('/api/users/set_email/', { current_password: user.password, new_email: unusedEmail() }, { bearer: access })
      assert.equal(res.status, 204)
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
      const refreshed = await api.post('/api/jwt/refresh/', { refresh })
      assert.equal(refreshed.status, 401)
      assert.deepEqual(refreshed.body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    })
  })

  describe('POST /api/users/reset_email/', () => {
    it('When the email is unknown, of an inactive or of an active account, then 204 and only the active account is mailed', async () => {
      const inactive = newUser()
      assert.equal((await api.post('/api/users/', inactive)).status, 201)
      const active = await registerAndActivate(server)
      for (const email of ['nobody.here@example.com', inactive.email, active.email]) {
        const res = await api.post('/api/users/reset_email/', { email })
        assert.equal(res.status, 204)
        assert.equal(res.text, '')
      }
      const mail = await server.mail.waitFor((m) => m.to === active.email && m.subject === SUBJECT)
      // Mail is delivered in the order it was queued: any mail for the first two would have arrived already.
      assert.deepEqual(server.mail.mails.filter((m) => m.subject === SUBJECT && m.to !== active.email), [])
      const { uid, token } = linkParts(mail, 'nl/email-reset')
      const url = `http://localhost:3000/nl/email-reset/${uid}/${token}`
      assert.ok(mail.text.includes(url), mail.text)
      assert.ok(mail.html.includes(`href="${url}"`), mail.html)
    })
  })

  describe('POST /api/users/reset_email_confirm/', () => {
    const confirm = (body: Record<string, unknown>) => api.post('/api/users/reset_email_confirm/', body)

    it('When the link and a free address are given, then 204 and login works with the new email only', async () => {
      const user = await registerAndActivate(server)
      const parts = await requestEmailReset(user.email)
      const target = unusedEmail()
      const res = await confirm({ ...parts, new_email: target })
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      assert.equal(await canLogIn(target, user.password), true)
      assert.equal(await canLogIn(user.email, user.password), false)
    })

    it('When the body is empty, then every field is required', async () => {
      const res = await confirm({})
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, {
        uid: ['This field is required.'], token: ['This field is required.'], new_email: ['This field is required.'],
      })
    })

    it('When the uid is bad, then the uid error; when the token is bad, then the token error', async () => {
      const user = await registerAndActivate(server)
      const { uid, token } = await requestEmailReset(user.email)
      const badUid = await confirm({ uid: Buffer.from('987654').toString('base64url'), token, new_email: unusedEmail() })
      assert.equal(badUid.status, 400)
      assert.deepEqual(badUid.body, { uid: ["Invalid user id or user doesn't exist."] })
      const badToken = await confirm({ uid, token: `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`, new_email: unusedEmail() })
      assert.equal(badToken.status, 400)
      assert.deepEqual(badToken.body, INVALID_TOKEN)
    })

    it('When the new email is invalid or taken, then the new_email error', async () => {
      const user = await registerAndActivate(server)
      const other = await registerAndActivate(server)
      const parts = await requestEmailReset(user.email)
      const invalid = await confirm({ ...parts, new_email: 'not-an-email' })
      assert.equal(invalid.status, 400)
      assert.deepEqual(invalid.body, { new_email: ['Enter a valid email address.'] })
      const taken = await confirm({ ...parts, new_email: other.email.toUpperCase() })
      assert.equal(taken.status, 400)
      assert.deepEqual(taken.body, TAKEN)
      assert.equal(await canLogIn(user.email, user.password), true)
    })

    it('When the new email grows past 100 characters once lower-cased, then 400 under new_email', async () => {
      const user = await registerAndActivate(server)
      const parts = await requestEmailReset(user.email)
      const res = await confirm({ ...parts, new_email: `${'x'.repeat(86)}@\u0130abcdefgh.com` })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { new_email: ['Ensure this field has no more than 100 characters.'] })
    })

    it('When the link is used a second time, then the token error', async () => {
      const user = await registerAndActivate(server)
      const parts = await requestEmailReset(user.email)
      assert.equal((await confirm({ ...parts, new_email: unusedEmail() })).status, 204)
      const again = await confirm({ ...parts, new_email: unusedEmail() })
      assert.equal(again.status, 400)
      assert.deepEqual(again.body, INVALID_TOKEN)
    })

    it('When a password-reset link is presented, then the token error (tokens are bound to their purpose)', async () => {
      const user = await registerAndActivate(server)
      assert.equal((await api.post('/api/users/reset_password/', { email: user.email })).status, 204)
      const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject === 'Password reset on UniLink')
      const res = await confirm({ ...linkParts(mail, 'nl/password-reset'), new_email: unusedEmail() })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_TOKEN)
    })

    it('When the email is reset, then tokens issued before stop working', async () => {
      const user = await registerAndActivate(server)
      const { access } = await login(api, user.email, user.password)
      const parts = await requestEmailReset(user.email)
      assert.equal((await confirm({ ...parts, new_email: unusedEmail() })).status, 204)
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
    })
  })
})
