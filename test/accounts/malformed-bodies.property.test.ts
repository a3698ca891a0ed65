import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { call } from '../helpers/http.ts'
import type { CallOptions, Reply } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'

// Property tests over the bodies of the anonymous POST endpoints (API.md §1, §2): whatever arrives, the answer is one
// of the contract's statuses with one of its JSON shapes, and an invalid body changes no stored user.
// FC_SEED=<n> replays (or, with another number, explores) a run, FC_RUNS=<n> widens it; the defaults keep the suite
// deterministic and quick.
const SEED = Number(process.env.FC_SEED ?? 20_240_601)
const RUNS = Number(process.env.FC_RUNS ?? 150)

// Every message a field or non_field_errors may carry on these endpoints (DRF, Djoser, Django's validators).
const KNOWN_MESSAGES = [
  /^This field is required\.$/, /^This field may not be blank\.$/, /^This field may not be null\.$/, /^Not a valid string\.$/,
  /^Enter a valid email address\.$/, /^Ensure this field has no more than \d+ characters\.$/, /^Null characters are not allowed\.$/,
  /^Incorrect type\. Expected pk value, received (str|int|float|bool|list|dict)\.$/, /^Invalid pk "[^"]*" - object does not exist\.$/,
  /^user with this (email|username) already exists\.$/, /^The password is too similar to the (username|first name|last name|email)\.$/,
  /^This password is too short\. It must contain at least 8 characters\.$/, /^This password is too common\.$/,
  /^This password is entirely numeric\.$/, /^Invalid user id or user doesn't exist\.$/, /^Invalid token for given user\.$/,
]
const NON_FIELD_MESSAGES = [/^The two password fields didn't match\.$/, /^Invalid data\. Expected a dictionary, but got (list|str|int|float|bool|NoneType)\.$/]

type Endpoint = {
  path: string
  fields: readonly string[]
  statuses: readonly number[]
  /** A valid body, which the generated mutations break (or not). */
  base(): Record<string, unknown>
  /** The statuses after which stored users may have changed. */
  writes: readonly number[]
}

type Encoding = 'json' | 'form' | 'multipart'

function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  return typeof value === 'string' ? 'str' : 'dict'
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** How a form carries a JSON value: every value is a string, and a missing or null one is simply not sent. */
function formEntries(body: Record<string, unknown>): [string, string][] {
  return Object.entries(body)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])
}

function requestOptions(body: unknown, encoding: Encoding): CallOptions {
  if (encoding === 'json' || !isPlainObject(body)) return { json: body }
  if (encoding === 'form') return { body: new URLSearchParams(formEntries(body)) }
  const data = new FormData()
  for (const [k, v] of formEntries(body)) data.append(k, v)
  return { body: data }
}

function assertMessages(value: unknown, patterns: RegExp[], where: string): void {
  assert.ok(Array.isArray(value) && value.length > 0, `${where}: a non-empty list`)
  for (const message of value) {
    assert.ok(typeof message === 'string' && patterns.some((p) => p.test(message)), `${where}: unknown message ${JSON.stringify(message)}`)
  }
}

/** The 400 shapes of API.md §1–2: a parse error's detail, or field errors and non_field_errors. */
function assertBadRequestBody(endpoint: Endpoint, sent: unknown, encoding: Encoding, body: unknown): void {
  assert.ok(isPlainObject(body), 'a JSON object')
  if ('detail' in body) {
    assert.deepEqual(Object.keys(body), ['detail'])
    assert.equal(typeof body.detail, 'string')
    // Only a form can be malformed here (a field name such as `constructor`): the JSON sent is always valid.
    assert.notEqual(encoding, 'json', `unexpected detail for a JSON body: ${String(body.detail)}`)
    return
  }
  if (encoding === 'json' && !isPlainObject(sent)) {
    assert.deepEqual(body, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(sent)}.`] })
    return
  }
  const keys = Object.keys(body)
  assert.ok(keys.length > 0, 'at least one error')
  for (const key of keys) {
    if (key === 'non_field_errors') assertMessages(body[key], NON_FIELD_MESSAGES, key)
    else {
      assert.ok(endpoint.fields.includes(key), `error under an unknown field ${JSON.stringify(key)}`)
      assertMessages(body[key], KNOWN_MESSAGES, key)
    }
  }
}

function assertContractReply(endpoint: Endpoint, sent: unknown, encoding: Encoding, res: Reply): void {
  assert.ok(endpoint.statuses.includes(res.status), `status ${res.status}: ${res.text.slice(0, 300)}`)
  if (res.status === 204) {
    assert.equal(res.text, '')
    return
  }
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
  const body = res.body
  switch (res.status) {
    case 200:
      assert.deepEqual(Object.keys(body as object).sort(), ['access', 'refresh'])
      break
    case 201:
      assert.deepEqual(Object.keys(body as object).sort(), ['department', 'email', 'first_name', 'last_name', 'university', 'username'])
      break
    case 401:
      assert.deepEqual(body, { detail: 'No active account found with the given credentials' })
      break
    case 413:
      assert.deepEqual(body, { detail: 'Request body too large.' })
      break
    default:
      assertBadRequestBody(endpoint, sent, encoding, body)
  }
}

// Run for every field alone before the random cases, whatever the seed.
const USUAL_SUSPECTS: unknown[] = ['a\u0000b', '\ud800', '😀'.repeat(101), ' ', '', null, true, 7.5, [], { a: 1 }]

type Shape = { kind: 'object'; drop: string[]; set: Record<string, unknown>; extra: Record<string, unknown> } | { kind: 'whole'; value: unknown }

// Values a field may receive: wrong types, unicode, blanks, NUL, huge strings, lookalikes of real data, nested junk.
function junkValue(realEmail: string) {
  const text = fc.string({ unit: 'grapheme', maxLength: 30 })
  const special = fc.constantFrom(
    '', ' ', '\t\n ', '\u0000', 'a\u0000b', '\ud800', '\u200b', '😀'.repeat(101), 'ab'.repeat(60), 'x'.repeat(20_000), '😀'.repeat(20_000),
    "'; DROP TABLE users; --", '%00', '1', '-1', '0', '2147483648', '99999999999999999999', '1.5', 'null', 'true', '[]', '{}',
    realEmail, realEmail.toUpperCase(), ` ${realEmail} `, 'a@b.c', 'user@localhost', 'ü@exämple.com', '"quoted"@example.com',
    'NQ', 'MQ', 'x-y', 'Str0ng-Pass-xyz', 'password', '12345678',
  )
  return fc.oneof(
    { weight: 3, arbitrary: text },
    { weight: 4, arbitrary: special },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  )
}

function bodyArbitrary(endpoint: Endpoint, realEmail: string): fc.Arbitrary<[Shape, Encoding]> {
  const mutated = fc.record({
    // Mostly one or two broken fields on an otherwise valid body, so the input gets past the first checks.
    drop: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray([...endpoint.fields]) }),
    set: fc.dictionary(fc.constantFrom(...endpoint.fields), junkValue(realEmail), { maxKeys: 2 }),
    extra: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
  }).map(({ drop, set, extra }): Shape => ({ kind: 'object', drop: [...drop], set, extra }))
  const whole = fc.jsonValue({ maxDepth: 3 }).map((value): Shape => ({ kind: 'whole', value }))
  return fc.tuple(
    fc.oneof({ weight: 5, arbitrary: mutated }, { weight: 1, arbitrary: whole }),
    fc.constantFrom<Encoding>('json', 'json', 'json', 'form', 'multipart'),
  )
}

function materialise(endpoint: Endpoint, shape: Shape): unknown {
  if (shape.kind === 'whole') return shape.value
  const body: Record<string, unknown> = { ...shape.extra, ...endpoint.base() }
  for (const field of shape.drop) delete body[field]
  return { ...body, ...shape.set }
}

async function snapshotUsers(server: TestServer): Promise<string> {
  return JSON.stringify(await server.db.selectFrom('users').selectAll().orderBy('id').execute())
}

describe('malformed bodies on the anonymous POST endpoints (property)', () => {
  let server: TestServer
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  let uid: string

  before(async () => {
    server = await startServer({ RATE_LIMIT: 'off' })
    user = await registerAndActivate(server)
    const row = await server.db.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirstOrThrow()
    uid = Buffer.from(String(row.id)).toString('base64url')
  })
  after(async () => { await server.close() })

  async function check(endpoint: Endpoint): Promise<void> {
    const examples = endpoint.fields.flatMap((field) => USUAL_SUSPECTS.map((value): [[Shape, Encoding]] => [
      [{ kind: 'object', drop: [], set: { [field]: value }, extra: {} }, 'json'],
    ]))
    await fc.assert(
      fc.asyncProperty(bodyArbitrary(endpoint, user.email), async ([shape, encoding]) => {
        const sent = materialise(endpoint, shape)
        const before = await snapshotUsers(server)
        const res = await call(server.base, 'POST', endpoint.path, requestOptions(sent, encoding))
        assertContractReply(endpoint, sent, encoding, res)
        if (!endpoint.writes.includes(res.status)) assert.equal(await snapshotUsers(server), before, 'stored users changed')
        else if (res.status === 201) {
          const users = JSON.parse(await snapshotUsers(server)) as unknown[]
          assert.equal(JSON.stringify(users.slice(0, -1)), before, 'existing users changed')
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true, examples },
    )
  }

  it('When POST /api/users/ gets arbitrary bodies, then only 201/400/413 in the contract\'s shapes, and no user is stored unless 201', async () => {
    await check({
      path: '/api/users/',
      fields: ['first_name', 'last_name', 'username', 'email', 'password', 're_password', 'university', 'department'],
      statuses: [201, 400, 413],
      writes: [201],
      base: () => newUser(),
    })
  })

  it('When POST /api/jwt/create/ gets arbitrary bodies, then only 200/400/401/413 in the contract\'s shapes', async () => {
    await check({
      path: '/api/jwt/create/',
      fields: ['email', 'password'],
      statuses: [200, 400, 401, 413],
      writes: [200],
      base: () => ({ email: user.email, password: user.password }),
    })
  })

  it('When POST /api/users/reset_password/ gets arbitrary bodies, then only 204/400/413, and no user changes', async () => {
    await check({
      path: '/api/users/reset_password/',
      fields: ['email'],
      statuses: [204, 400, 413],
      writes: [],
      // Unknown by default (the real address is among the junk values): each mail queued here slows the shutdown.
      base: () => ({ email: 'nobody@example.com' }),
    })
  })

  it('When POST /api/users/reset_password_confirm/ gets arbitrary bodies, then only 400/413, and no user changes', async () => {
    await check({
      path: '/api/users/reset_password_confirm/',
      fields: ['uid', 'token', 'new_password', 're_new_password'],
      statuses: [400, 413],
      writes: [],
      base: () => ({ uid, token: 'cz5jx4-0123456789abcdef0123', new_password: 'Str0ng-Pass-xyz', re_new_password: 'Str0ng-Pass-xyz' }),
    })
  })
})
