import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { insertDepartment, insertUniversity, userIdOf } from '../helpers/universities.ts'

const SHORT = 'This password is too short. It must contain at least 8 characters.'
const COMMON = 'This password is too common.'
const NUMERIC = 'This password is entirely numeric.'
const MISMATCH = { non_field_errors: ["The two password fields didn't match."] }
const invalidPk = (id: number | string) => [`Invalid pk "${id}" - object does not exist.`]

describe('POST /api/users/', () => {
  let server: TestServer
  let api: Client
  let approved: number
  let pending: number
  let banned: number
  let department: number
  let otherDepartment: number

  before(async () => {
    server = await startServer()
    api = client(server.base)
    // First university of a fresh database: id 1, which the seed document's body names.
    approved = await insertUniversity(server.db)
    pending = await insertUniversity(server.db, { approved: false })
    banned = await insertUniversity(server.db, { banned: true })
    department = await insertDepartment(server.db, approved)
    otherDepartment = await insertDepartment(server.db, pending)
  })
  after(async () => { await server.close() })

  const activationMailTo = (email: string) =>
    server.mail.waitFor((m) => m.to === email && m.subject === 'Account activation on UniLink')

  it('When the body is valid, then 201 answers exactly the created fields with email and username lower-cased', async () => {
    const body = newUser()
    const res = await api.post('/api/users/', { ...body, email: body.email.toUpperCase(), username: body.username.toUpperCase() })
    assert.equal(res.status, 201)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(res.body, {
      first_name: 'Ada', last_name: 'Lovelace', username: body.username.toLowerCase(), email: body.email.toLowerCase(),
      university: null, department: null,
    })
  })

  it('When the seed document\'s two bodies are sent, then both accounts are created (the second with university "1")', async () => {
    assert.equal(approved, 1)
    const plain = await api.post('/api/users/', {
      first_name: 'Ehsan', last_name: 'Khan', username: 'ehsan', email: 'ehsan18t@gmail.com',
      password: 'myTestPass123.', re_password: 'myTestPass123.',
    })
    assert.equal(plain.status, 201)
    assert.deepEqual(plain.body, {
      first_name: 'Ehsan', last_name: 'Khan', username: 'ehsan', email: 'ehsan18t@gmail.com', university: null, department: null,
    })
    const withUniversity = await api.post('/api/users/', {
      first_name: 'Ehsan', last_name: 'Khan', username: 'ehsanUni', email: 'xcarl3t@gmail.com', university: '1',
      password: 'myTestPass123.', re_password: 'myTestPass123.',
    })
    assert.equal(withUniversity.status, 201)
    assert.deepEqual(withUniversity.body, {
      first_name: 'Ehsan', last_name: 'Khan', username: 'ehsanuni', email: 'xcarl3t@gmail.com', university: 1, department: null,
    })
  })

  it('When an account is registered, then it is inactive and cannot log in', async () => {
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    const res = await api.post('/api/jwt/create/', { email: body.email, password: body.password })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, { detail: 'No active account found with the given credentials' })
  })

  it('When an account is registered, then the activation mail with a text and an HTML part links to the client', async () => {
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    const mail = await activationMailTo(body.email)
    const uid = Buffer.from(String(await userIdOf(server.db, body.email))).toString('base64url')
    const { protocol, domain } = server.config
    // Django 4.2's sha256 token: 32 hex digits (as in the seed document's link), not the 20 of the sha1 era.
    const link = new RegExp(`${protocol}://${domain}/nl/activation/${uid}/[0-9a-z]+-[0-9a-f]{32}(?![\\w-])`)
    assert.match(mail.text, link)
    assert.match(mail.html, link)
    assert.match(mail.raw, /Content-Type: text\/plain/i)
    assert.match(mail.raw, /Content-Type: text\/html/i)
    assert.equal(linkParts(mail, 'nl/activation').uid, uid)
  })

  it('When privileged fields are sent, then they are ignored', async () => {
    const body = newUser({ user_type: 0, is_active: true, is_staff: true, is_superuser: true, id: 4242 })
    const created = await api.post('/api/users/', body)
    assert.equal(created.status, 201)
    assert.equal((await api.post('/api/jwt/create/', { email: body.email, password: body.password })).status, 401)
    const row = await server.db.selectFrom('users').select(['id', 'userType', 'isActive', 'isStaff', 'isSuperuser'])
      .where('email', '=', body.email).executeTakeFirstOrThrow()
    assert.notEqual(row.id, 4242)
    assert.deepEqual({ ...row, id: 0 }, { id: 0, userType: 5, isActive: 0, isStaff: 0, isSuperuser: 0 })
  })

  it('When the email or the username is taken in another case, then each gets its duplicate message', async () => {
    const taken = await registerAndActivate(server)
    const email = await api.post('/api/users/', newUser({ email: taken.email.toUpperCase() }))
    assert.equal(email.status, 400)
    assert.deepEqual(email.body, { email: ['user with this email already exists.'] })
    const username = await api.post('/api/users/', newUser({ username: taken.username.toUpperCase() }))
    assert.equal(username.status, 400)
    assert.deepEqual(username.body, { username: ['user with this username already exists.'] })
  })

  it('When fields are missing and the email is taken, then every field error is reported at once', async () => {
    const taken = await registerAndActivate(server)
    const res = await api.post('/api/users/', { email: taken.email, username: taken.username, password: 'x', re_password: 'y' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      first_name: ['This field is required.'],
      last_name: ['This field is required.'],
      email: ['user with this email already exists.'],
      username: ['user with this username already exists.'],
    })
  })

  it('When the body is empty, then every required field is reported', async () => {
    const res = await api.post('/api/users/', {})
    assert.equal(res.status, 400)
    const required = ['This field is required.']
    assert.deepEqual(res.body, {
      first_name: required, last_name: required, username: required, email: required, password: required, re_password: required,
    })
  })

  it('When fields are blank, too long or malformed, then each gets its DRF message', async () => {
    const res = await api.post('/api/users/', newUser({
      first_name: '   ', last_name: 'x'.repeat(101), username: 'u'.repeat(21), email: 'not-an-email',
    }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      first_name: ['This field may not be blank.'],
      last_name: ['Ensure this field has no more than 100 characters.'],
      username: ['Ensure this field has no more than 20 characters.'],
      email: ['Enter a valid email address.'],
    })
  })

  it('When the username or email grows past its limit once lower-cased, then the limit is reported, not a 500', async () => {
    // 'İ' lower-cases to two code points ('i' and a combining dot above).
    const res = await api.post('/api/users/', newUser({ username: 'İ'.repeat(20), email: `${'a'.repeat(80)}@${'İ'.repeat(10)}x.com` }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      username: ['Ensure this field has no more than 20 characters.'],
      email: ['Ensure this field has no more than 100 characters.'],
    })
  })

  it('When the password fails every validator, then all messages come under "password" in Django\'s order', async () => {
    const res = await api.post('/api/users/', newUser({ username: '1234', password: '1234', re_password: '9999' }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { password: ['The password is too similar to the username.', SHORT, COMMON, NUMERIC] })
  })

  it('When the password resembles an attribute, then the first similar attribute is named', async () => {
    const attributes = { username: 'quokka77', first_name: 'Zebulon', last_name: 'Marchetti', email: 'wombat.fox@example.com' }
    const cases = [
      ['quokka771', 'username'], ['Zebulon99', 'first name'], ['Marchetti9', 'last name'], ['wombatfox1', 'email'],
    ] as const
    for (const [password, attribute] of cases) {
      const res = await api.post('/api/users/', { ...attributes, password, re_password: password })
      assert.equal(res.status, 400, password)
      assert.deepEqual(res.body, { password: [`The password is too similar to the ${attribute}.`] }, password)
    }
  })

  it('When the password is only short, only common or only numeric, then that one message is given', async () => {
    for (const [password, message] of [['Xq7!v', SHORT], ['password', COMMON], ['84920175', NUMERIC]] as const) {
      const res = await api.post('/api/users/', newUser({ password, re_password: password }))
      assert.equal(res.status, 400, password)
      assert.deepEqual(res.body, { password: [message] }, password)
    }
  })

  it('When the passwords differ, then the mismatch is reported only once every other check passed', async () => {
    const weak = await api.post('/api/users/', newUser({ password: 'password', re_password: 'other-password' }))
    assert.deepEqual(weak.body, { password: [COMMON] })
    const missing = await api.post('/api/users/', newUser({ first_name: undefined, re_password: 'myTestPass124.' }))
    assert.deepEqual(missing.body, { first_name: ['This field is required.'] })
    const res = await api.post('/api/users/', newUser({ re_password: 'myTestPass124.' }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, MISMATCH)
  })

  it('When the university is approved and the department is of it, then both are saved', async () => {
    const res = await api.post('/api/users/', newUser({ university: approved, department: String(department) }))
    assert.equal(res.status, 201)
    assert.deepEqual([(res.body as { university: unknown }).university, (res.body as { department: unknown }).department],
      [approved, department])
  })

  it('When the university is not approved, banned or unknown, then the university is an invalid pk', async () => {
    for (const id of [pending, banned, 9999]) {
      const res = await api.post('/api/users/', newUser({ university: id }))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { university: invalidPk(id) })
    }
    const text = await api.post('/api/users/', newUser({ university: 'abc' }))
    assert.deepEqual(text.body, { university: ['Incorrect type. Expected pk value, received str.'] })
  })

  it('When the department is of another university or there is no university, then the department is an invalid pk', async () => {
    const other = await api.post('/api/users/', newUser({ university: approved, department: otherDepartment }))
    assert.equal(other.status, 400)
    assert.deepEqual(other.body, { department: invalidPk(otherDepartment) })
    const none = await api.post('/api/users/', newUser({ department: department }))
    assert.equal(none.status, 400)
    assert.deepEqual(none.body, { department: invalidPk(department) })
  })

  it('When the university is null, "" or absent, then the account has none', async () => {
    for (const university of [null, '', undefined]) {
      const res = await api.post('/api/users/', newUser({ university, department: '' }))
      assert.equal(res.status, 201)
      assert.equal((res.body as { university: unknown }).university, null)
      assert.equal((res.body as { department: unknown }).department, null)
    }
  })

  it('When the body is a form, then it is accepted like JSON', async () => {
    const body = newUser({ university: String(approved) })
    const form = new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)]))
    const res = await api.call('POST', '/api/users/', { body: form })
    assert.equal(res.status, 201)
    assert.equal((res.body as { university: unknown }).university, approved)
  })
})
