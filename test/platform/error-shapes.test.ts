import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'

// DRF's field messages (API.md §2), on a real endpoint: registration, POST /api/users/.
const REQUIRED = 'This field is required.'
const BLANK = 'This field may not be blank.'
const NULL = 'This field may not be null.'
const NOT_STRING = 'Not a valid string.'
const BAD_EMAIL = 'Enter a valid email address.'
const TEXT_FIELDS = ['first_name', 'last_name', 'username', 'email', 'password', 're_password'] as const
const EMPTY_RELATIONS = { university: null, department: null }

function created(body: ReturnType<typeof newUser>, overrides: Record<string, unknown> = {}) {
  return {
    first_name: body.first_name, last_name: body.last_name, username: body.username, email: body.email,
    ...EMPTY_RELATIONS, ...overrides,
  }
}

function each(message: string): Record<string, string[]> {
  return Object.fromEntries(TEXT_FIELDS.map((field) => [field, [message]]))
}

describe('POST /api/users/ error shapes (API.md §2)', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  it('When every field is missing, then each is reported as required at once', async () => {
    const res = await api.post('/api/users/', {})
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, each(REQUIRED))
  })

  it('When every field is blank or whitespace, then each may not be blank', async () => {
    for (const blank of ['', '   ', '\t\n']) {
      const res = await api.post('/api/users/', Object.fromEntries(TEXT_FIELDS.map((f) => [f, blank])))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, each(BLANK))
    }
  })

  it('When every field is null, then each may not be null', async () => {
    const res = await api.post('/api/users/', Object.fromEntries(TEXT_FIELDS.map((f) => [f, null])))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, each(NULL))
  })

  it('When a string field gets an array, an object or a boolean, then "Not a valid string."', async () => {
    for (const value of [[], ['a'], {}, { a: 'b' }, true, false]) {
      const res = await api.post('/api/users/', Object.fromEntries(TEXT_FIELDS.map((f) => [f, value])))
      assert.equal(res.status, 400, JSON.stringify(value))
      assert.deepEqual(res.body, each(NOT_STRING))
    }
  })

  it('When a string field gets a number, then it is taken as its text (DRF CharField)', async () => {
    const body = newUser({ first_name: 42, last_name: 7.5 })
    const res = await api.post('/api/users/', body)
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, created(body, { first_name: '42', last_name: '7.5' }))
  })

  it('When a field is over its model limit, then "Ensure this field has no more than N characters."', async () => {
    const res = await api.post('/api/users/', newUser({
      first_name: 'a'.repeat(101), last_name: 'b'.repeat(101), username: 'c'.repeat(21), email: `${'d'.repeat(89)}@example.com`,
    }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      first_name: ['Ensure this field has no more than 100 characters.'],
      last_name: ['Ensure this field has no more than 100 characters.'],
      username: ['Ensure this field has no more than 20 characters.'],
      email: ['Ensure this field has no more than 100 characters.'],
    })
  })

  it('When a field is exactly at its limit, then it is accepted', async () => {
    const tag = Date.now().toString(36)
    const body = newUser({ first_name: 'a'.repeat(100), username: `u${tag}`.padEnd(20, 'x'), email: `${tag}`.padEnd(88, 'e') + '@example.com' })
    assert.equal(String(body.email).length, 100)
    const res = await api.post('/api/users/', body)
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, created(body))
  })

  it('When a field holds characters outside the BMP, then its length counts code points, not UTF-16 units', async () => {
    const fits = newUser({ first_name: '😀'.repeat(100), last_name: 'Ωμέγα'.repeat(20) })
    const ok = await api.post('/api/users/', fits)
    assert.equal(ok.status, 201)
    assert.deepEqual(ok.body, created(fits))
    const stored = await server.db.selectFrom('users').select(['firstName', 'lastName']).where('email', '=', fits.email).executeTakeFirstOrThrow()
    assert.deepEqual(stored, { firstName: fits.first_name, lastName: fits.last_name })
    const over = await api.post('/api/users/', newUser({ first_name: '😀'.repeat(101) }))
    assert.equal(over.status, 400)
    assert.deepEqual(over.body, { first_name: ['Ensure this field has no more than 100 characters.'] })
  })

  it('When the email is malformed, then "Enter a valid email address."', async () => {
    for (const email of ['plain', 'a@', '@b.com', 'a@b', 'a b@c.com', 'a@b..com', 'a@-b.com', 'a@b.c', 'a@@b.com', 5]) {
      const res = await api.post('/api/users/', newUser({ email }))
      assert.equal(res.status, 400, String(email))
      assert.deepEqual(res.body, { email: [BAD_EMAIL] }, String(email))
    }
  })

  it('When the email is both too long and malformed, then both messages, length first', async () => {
    const res = await api.post('/api/users/', newUser({ email: 'x'.repeat(101) }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { email: ['Ensure this field has no more than 100 characters.', BAD_EMAIL] })
  })

  it('When a string holds a NUL character, then "Null characters are not allowed." (never a database error)', async () => {
    const res = await api.post('/api/users/', newUser({ first_name: 'a\u0000b', last_name: '\u0000' }))
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      first_name: ['Null characters are not allowed.'], last_name: ['Null characters are not allowed.'],
    })
  })

  it('When a string holds a lone UTF-16 surrogate, then "Not a valid string." and nothing is stored (@see issue 12)', async () => {
    // JSON.stringify writes a lone surrogate as its `\\ud800` escape, as a hostile client would.
    const body = newUser({ first_name: '\ud800z', last_name: 'a\udfff', password: '\udbff', re_password: '\udbff' })
    const res = await api.post('/api/users/', body)
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { first_name: [NOT_STRING], last_name: [NOT_STRING], password: [NOT_STRING], re_password: [NOT_STRING] })
    assert.equal(await server.db.selectFrom('users').select('id').where('email', '=', body.email).executeTakeFirst(), undefined)
    const login = await api.post('/api/jwt/create/', { email: 'x\ud83d@example.com', password: 'whatever' })
    assert.equal(login.status, 400)
    assert.deepEqual(login.body, { email: [NOT_STRING] })
  })

  it('When a pk field gets a value of the wrong type, then "Incorrect type. Expected pk value, received <type>."', async () => {
    const cases: [unknown, string][] = [['abc', 'str'], [' 1x', 'str'], [[1], 'list'], [{ id: 1 }, 'dict'], [true, 'bool'], [1.5, 'float']]
    for (const [value, type] of cases) {
      const res = await api.post('/api/users/', newUser({ university: value, department: value }))
      assert.equal(res.status, 400, JSON.stringify(value))
      const message = [`Incorrect type. Expected pk value, received ${type}.`]
      assert.deepEqual(res.body, { university: message, department: message }, JSON.stringify(value))
    }
  })

  it('When a pk names no object, then `Invalid pk "7" - object does not exist.`, as a number or a numeric string', async () => {
    for (const value of [7, '7']) {
      const res = await api.post('/api/users/', newUser({ university: value }))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { university: ['Invalid pk "7" - object does not exist.'] })
    }
    for (const value of [0, -3, 99_999_999_999]) {
      const res = await api.post('/api/users/', newUser({ department: value }))
      assert.equal(res.status, 400)
      assert.deepEqual(res.body, { department: [`Invalid pk "${value}" - object does not exist.`] })
    }
  })

  it('When a pk field is "" or null, then it means none', async () => {
    for (const value of ['', null]) {
      const body = newUser({ university: value, department: value })
      const res = await api.post('/api/users/', body)
      assert.equal(res.status, 201, JSON.stringify(value))
      assert.deepEqual(res.body, created(body))
    }
  })

  it('When many fields are invalid in different ways, then all are reported in one answer', async () => {
    const res = await api.post('/api/users/', {
      first_name: '', last_name: null, username: ['x'], email: 'nope', password: 'weak', university: 'abc',
    })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, {
      first_name: [BLANK], last_name: [NULL], username: [NOT_STRING], email: [BAD_EMAIL],
      re_password: [REQUIRED], university: ['Incorrect type. Expected pk value, received str.'],
    })
  })

  it('When the fields are valid but the password is weak, then the validators speak under "password", before the match check', async () => {
    const weak = await api.post('/api/users/', newUser({ password: '1234', re_password: 'different' }))
    assert.equal(weak.status, 400)
    assert.deepEqual(weak.body, {
      password: ['This password is too short. It must contain at least 8 characters.', 'This password is too common.', 'This password is entirely numeric.'],
    })
    const mismatch = await api.post('/api/users/', newUser({ re_password: 'another-Pass-99' }))
    assert.equal(mismatch.status, 400)
    assert.deepEqual(mismatch.body, { non_field_errors: ["The two password fields didn't match."] })
  })

  it('When an integer query parameter is not an integer, then "A valid integer is required."', async () => {
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    for (const value of ['abc', '1.5', '', '1e3']) {
      const res = await api.get(`/api/user/?user_id=${value}`, { bearer: access })
      assert.equal(res.status, 400, value)
      assert.deepEqual(res.body, { user_id: ['A valid integer is required.'] })
    }
  })
})
