import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import type { CaughtMail } from '../helpers/smtp-sink.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'

const NEW_PASSWORD = 'brandNewSecret!42'
const SUBJECT = 'Password reset on UniLink'
const INVALID_TOKEN = { token: ['Invalid token for given user.'] }
const INVALID_UID = { uid: ["Invalid user id or user doesn't exist."] }

describe('POST /api/users/reset_password/ and /api/users/reset_password_confirm/', () => {
  let server: TestServer
  let api: Client
  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  const resetMailTo = (email: string) => server.mail.waitFor((m) => m.to === email && m.subject === SUBJECT)

  async function requestReset(email: string): Promise<CaughtMail> {
    const res = await api.post('/api/users/reset_password/', { email })
    assert.equal(res.status, 204)
    return resetMailTo(email)
  }

  const confirm = (body: Record<string, unknown>) => api.post('/api/users/reset_password_confirm/', body)
  const withPassword = (parts: { uid: string; token: string }, password = NEW_PASSWORD) =>
    ({ ...parts, new_password: password, re_new_password: password })

  describe('POST /api/users/reset_password/', () => {
    it('When the email is unknown, of an inactive or of an active account, then 204 and only the active account is mailed', async () => {
      const inactive = newUser()
      assert.equal((await api.post('/api/users/', inactive)).status, 201)
      const active = await registerAndActivate(server)
      const unknown = 'nobody.here@example.com'

      for (const email of [unknown, inactive.email, active.email]) {
        const res = await api.post('/api/users/reset_password/', { email })
        assert.equal(res.status, 204)
        assert.equal(res.text, '')
      }
      await resetMailTo(active.email)
      // Mail is delivered in the order it was queued: any mail for the first two would have arrived already.
      assert.deepEqual(server.mail.mails.filter((m) => m.subject === SUBJECT && m.to !== active.email), [])
    })

    it('When an active account asks, then the mail has the reset link to nl/password-reset/{uid}/{token} in text and HTML', async () => {
      const user = await registerAndActivate(server)
      const { access } = await login(api, user.email, user.password)
      const { id } = (await api.get('/api/users/me/', { bearer: access })).body as { id: number }

      const mail = await requestReset(user.email)
      const { uid, token } = linkParts(mail, 'nl/password-reset')
      assert.equal(uid, Buffer.from(String(id)).toString('base64url'))
      // Django 4.2's PasswordResetTokenGenerator: sha256, every other hex digit (API.md §7 says 20, from SHA-1 days).
      assert.match(token, /^[0-9a-z]+-[0-9a-f]{32}$/)
      const url = `http://localhost:3000/nl/password-reset/${uid}/${token}`
      assert.ok(mail.text.includes(url), mail.text)
      assert.ok(mail.html.includes(`href="${url}"`), mail.html)
    })

    it('When the email is malformed or missing, then 400 with the field error', async () => {
      const bad = await api.post('/api/users/reset_password/', { email: 'not-an-email' })
      assert.equal(bad.status, 400)
      assert.deepEqual(bad.body, { email: ['Enter a valid email address.'] })
      const missing = await api.post('/api/users/reset_password/', {})
      assert.equal(missing.status, 400)
      assert.deepEqual(missing.body, { email: ['This field is required.'] })
    })
  })

  describe('POST /api/users/reset_password_confirm/', () => {
    it('When the link and a valid password are given, then 204 and only the new password logs in', async () => {
      const user = await registerAndActivate(server)
      const mail = await requestReset(user.email)
      const res = await confirm(withPassword(linkParts(mail, 'nl/password-reset')))
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: NEW_PASSWORD })).status, 200)
    })

    it('When the body is empty, then every field is required', async () => {
      const res = await confirm({})
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, {
        uid: ['This field is required.'],
        token: ['This field is required.'],
        new_password: ['This field is required.'],
        re_new_password: ['This field is required.'],
      })
    })

    it('When the uid is garbage or names no user, then 400 with the uid error', async () => {
      const user = await registerAndActivate(server)
      const { token } = linkParts(await requestReset(user.email), 'nl/password-reset')
      for (const uid of ['garbage!', 'MA', Buffer.from('987654').toString('base64url')]) {
        const res = await confirm(withPassword({ uid, token }))
        assert.equal(res.status, 400)
        assert.deepEqual(res.body, INVALID_UID)
      }
    })

    it('When the token is wrong, then 400 with the token error', async () => {
      const user = await registerAndActivate(server)
      const { uid, token } = linkParts(await requestReset(user.email), 'nl/password-reset')
      const tampered = `${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`
      for (const bad of [tampered, 'nonsense', `${token}0`]) {
        const res = await confirm(withPassword({ uid, token: bad }))
        assert.equal(res.status, 400)
        assert.deepEqual(res.body, INVALID_TOKEN)
      }
    })

    it("When the new password is too similar to the user's username, then the message under new_password", async () => {
      const user = await registerAndActivate(server, { username: 'reset_similarity' })
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      const res = await confirm(withPassword(parts, 'reset_similarity'))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { new_password: ['The password is too similar to the username.'] })
    })

    it('When the new password fails the other validators, then every message under new_password', async () => {
      const user = await registerAndActivate(server)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      const res = await confirm(withPassword(parts, '1234567'))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, {
        new_password: [
          'This password is too short. It must contain at least 8 characters.',
          'This password is too common.',
          'This password is entirely numeric.',
        ],
      })
    })

    // @see issue 11, item 3: Djoser validates the password (and its retype) before uid and token (API.md §5 as amended).
    it('When a short new password comes with a bad token or uid, then only the password error is answered', async () => {
      const user = await registerAndActivate(server)
      const { uid, token } = linkParts(await requestReset(user.email), 'nl/password-reset')
      const short = { new_password: 'Ab1!x', re_new_password: 'Ab1!x' }
      for (const link of [{ uid, token: `${token}0` }, { uid, token: 'nonsense' }, { uid: 'garbage!', token }, { uid: 'MA', token: 'nonsense' }]) {
        const res = await confirm({ ...link, ...short })
        assert.equal(res.status, 400, JSON.stringify(link))
        assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
        assert.deepEqual(res.body, { new_password: ['This password is too short. It must contain at least 8 characters.'] }, JSON.stringify(link))
      }
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 200, 'unchanged')
    })

    it('When the password is like the username of the uid\'s user and the token is bad, then the similarity error alone', async () => {
      const user = await registerAndActivate(server, { username: 'reset_similar_bad' })
      const { uid, token } = linkParts(await requestReset(user.email), 'nl/password-reset')
      const res = await confirm(withPassword({ uid, token: `${token}0` }, 'reset_similar_bad'))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { new_password: ['The password is too similar to the username.'] })
      const unnamed = await confirm(withPassword({ uid: 'garbage!', token }, 'reset_similar_bad'))
      assert.deepEqual([unnamed.status, unnamed.body], [400, INVALID_UID], 'no user named: no similarity check, then the uid error')
    })

    it('When the two passwords differ and the token is bad, then non_field_errors alone, as Djoser answers', async () => {
      const user = await registerAndActivate(server)
      const { uid } = linkParts(await requestReset(user.email), 'nl/password-reset')
      const res = await confirm({ uid, token: 'nonsense', new_password: NEW_PASSWORD, re_new_password: `${NEW_PASSWORD}x` })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { non_field_errors: ["The two password fields didn't match."] })
    })

    it('When the two passwords differ, then non_field_errors', async () => {
      const user = await registerAndActivate(server)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      const res = await confirm({ ...parts, new_password: NEW_PASSWORD, re_new_password: `${NEW_PASSWORD}x` })
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { non_field_errors: ["The two password fields didn't match."] })
    })

    it('When the link is used a second time, then the token error', async () => {
      const user = await registerAndActivate(server)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      assert.equal((await confirm(withPassword(parts))).status, 204)
      const again = await confirm(withPassword(parts, 'anotherSecret!43'))
      assert.equal(again.status, 400)
      assert.deepEqual(again.body, INVALID_TOKEN)
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: NEW_PASSWORD })).status, 200)
    })

    it('When the user logs in between the mail and the confirmation, then the token error', async () => {
      const user = await registerAndActivate(server)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      await login(api, user.email, user.password)
      const res = await confirm(withPassword(parts))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_TOKEN)
    })

    it('When a user who had logged in just before the request logs in again, then the token error', async () => {
      const user = await registerAndActivate(server)
      await login(api, user.email, user.password)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      // Likely within the same second as the first login: the link must die all the same (API.md §4).
      await login(api, user.email, user.password)
      const res = await confirm(withPassword(parts))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_TOKEN)
    })

    it('When an activation link is presented, then the token error (tokens are bound to their purpose)', async () => {
      const body = newUser()
      assert.equal((await api.post('/api/users/', body)).status, 201)
      const mail = await server.mail.waitFor((m) => m.to === body.email && m.subject === 'Account activation on UniLink')
      const res = await confirm(withPassword(linkParts(mail, 'nl/activation')))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, INVALID_TOKEN)
    })

    it('When the password is reset, then tokens issued before stop working', async () => {
      const user = await registerAndActivate(server)
      const { access, refresh } = await login(api, user.email, user.password)
      const parts = linkParts(await requestReset(user.email), 'nl/password-reset')
      assert.equal((await confirm(withPassword(parts))).status, 204)
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
      const refreshed = await api.post('/api/jwt/refresh/', { refresh })
      assert.equal(refreshed.status, 401)
      assert.deepEqual(refreshed.body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    })
  })
})
