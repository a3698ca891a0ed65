import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { inspect } from 'node:util'
import {
  ACTIVATION_KEY_SALT, EMAIL_RESET_KEY_SALT, LINK_KEY_SALTS, PASSWORD_RESET_KEY_SALT,
  createLinkTokens, decodeUid, encodeUid,
} from '../../src/links/link-token.ts'
import type { LinkPurpose, LinkTokenUser } from '../../src/links/link-token.ts'

type TokenVectors = {
  secretKey: string
  salts: Record<LinkPurpose, string>
  users: { id: number; password: string; lastLogin: string | null; email: string }[]
  make: { userIndex: number; purpose: LinkPurpose; timestamp: number; token: string }[]
  check: { userIndex: number; purpose: LinkPurpose; token: string; now: string; expected: boolean }[]
}

const { tokens: vectors } = JSON.parse(
  readFileSync(new URL('../fixtures/django-vectors.json', import.meta.url), 'utf8'),
) as { tokens: TokenVectors }

const users: LinkTokenUser[] = vectors.users.map((u) => ({
  ...u, lastLogin: u.lastLogin === null ? null : new Date(u.lastLogin),
}))
const userAt = (index: number): LinkTokenUser => users[index] as LinkTokenUser
const links = createLinkTokens(vectors.secretKey)
const EPOCH_2001 = Date.UTC(2001, 0, 1)
const at = (secondsSince2001: number): Date => new Date(EPOCH_2001 + secondsSince2001 * 1000)
const PURPOSES: LinkPurpose[] = ['activation', 'password_reset', 'email_reset']

void test('key salts: Django\'s for password reset, distinct ones for the others', () => {
  assert.equal(PASSWORD_RESET_KEY_SALT, 'django.contrib.auth.tokens.PasswordResetTokenGenerator')
  assert.deepEqual(LINK_KEY_SALTS, vectors.salts)
  assert.equal(new Set([ACTIVATION_KEY_SALT, EMAIL_RESET_KEY_SALT, PASSWORD_RESET_KEY_SALT]).size, 3)
})

void test('make() reproduces Django _make_token_with_timestamp', () => {
  assert.ok(vectors.make.length >= 30)
  for (const v of vectors.make) {
    assert.equal(links.make(userAt(v.userIndex), v.purpose, at(v.timestamp)), v.token, JSON.stringify(v))
  }
})

void test('make() truncates now to whole seconds like int(total_seconds())', () => {
  const v = vectors.make[0] as TokenVectors['make'][number]
  assert.equal(links.make(userAt(v.userIndex), v.purpose, new Date(at(v.timestamp).getTime() + 999)), v.token)
})

void test('check() agrees with Django check_token, including expiry and malformed tokens', () => {
  const outcomes = new Set(vectors.check.map((v) => v.expected))
  assert.deepEqual([...outcomes].sort(), [false, true])
  for (const v of vectors.check) {
    assert.equal(links.check(userAt(v.userIndex), v.purpose, v.token, new Date(v.now)), v.expected, JSON.stringify(v))
  }
})

void test('a token for one purpose is rejected for every other purpose', () => {
  const user = userAt(1)
  const now = new Date('2024-05-01T12:00:00Z')
  for (const made of PURPOSES) {
    const token = links.make(user, made, now)
    for (const checked of PURPOSES) {
      assert.equal(links.check(user, checked, token, now), made === checked, `${made} -> ${checked}`)
    }
  }
})

void test('using the link invalidates it: password, last_login or email change', () => {
  const user = userAt(1)
  const now = new Date('2024-05-01T12:00:00Z')
  const token = links.make(user, 'password_reset', now)
  assert.equal(links.check({ ...user }, 'password_reset', token, now), true)
  assert.equal(links.check({ ...user, password: `${user.password}x` }, 'password_reset', token, now), false)
  assert.equal(links.check({ ...user, lastLogin: now }, 'password_reset', token, now), false)
  assert.equal(links.check({ ...user, lastLogin: null }, 'password_reset', token, now), false)
  assert.equal(links.check({ ...user, email: 'other@example.com' }, 'password_reset', token, now), false)
  assert.equal(links.check({ ...user, id: 43 }, 'password_reset', token, now), false)
  assert.equal(createLinkTokens('another-secret').check(user, 'password_reset', token, now), false)
})

void test('last_login microseconds are ignored; a null password hashes as empty', () => {
  const now = new Date('2024-05-01T12:00:00Z')
  const base = { id: 7, password: '', lastLogin: new Date('2024-01-02T03:04:05.000Z'), email: 'x@example.com' }
  const token = links.make(base, 'activation', now)
  assert.equal(links.check({ ...base, lastLogin: new Date('2024-01-02T03:04:05.999Z') }, 'activation', token, now), true)
  assert.equal(links.check({ ...base, lastLogin: new Date('2024-01-02T03:04:06.000Z') }, 'activation', token, now), false)
  assert.equal(links.check({ ...base, password: null }, 'activation', token, now), true)
})

void test('timeoutSeconds: valid up to exactly the timeout, rejected one second later', () => {
  const short = createLinkTokens(vectors.secretKey, { timeoutSeconds: 60 })
  const user = userAt(0)
  const token = short.make(user, 'email_reset', at(1_000_000))
  assert.equal(short.check(user, 'email_reset', token, at(1_000_060)), true)
  assert.equal(short.check(user, 'email_reset', token, at(1_000_061)), false)
  assert.equal(links.check(user, 'email_reset', token, at(1_000_061)), true, 'default is 3 days')
  assert.equal(links.check(user, 'email_reset', token, at(1_000_000 + 259_201)), false)
})

void test('default now is the current time', () => {
  const user = userAt(2)
  const token = links.make(user, 'password_reset')
  assert.equal(links.check(user, 'password_reset', token), true)
  assert.equal(links.check(user, 'password_reset', token, new Date(Date.now() + 259_210_000)), false)
})

void test('check() never throws on garbage', () => {
  const user = userAt(0)
  const garbage: unknown[] = ['', '-', '--', 'a-b', '\u0000', 'zzzzzzzzzzzzz-' + '0'.repeat(32), null, undefined, 42, {}]
  for (const token of garbage) {
    assert.equal(links.check(user, 'password_reset', token as string), false, inspect(token))
  }
  const good = links.make(user, 'password_reset', at(1_000_000))
  assert.equal(links.check(user, 'password_reset', good, new Date(Number.NaN)), false)
})

void test('encodeUid() is Django urlsafe_base64_encode(force_bytes(pk))', () => {
  assert.equal(encodeUid(5), 'NQ')
  assert.equal(encodeUid(42), 'NDI')
  assert.equal(encodeUid(1234567), 'MTIzNDU2Nw')
  assert.equal(encodeUid(9007199254740991), 'OTAwNzE5OTI1NDc0MDk5MQ')
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 60]) assert.throws(() => encodeUid(bad), RangeError)
})

void test('decodeUid() round-trips and returns null for anything non-canonical', () => {
  for (const id of [1, 5, 42, 1234567, 9007199254740991]) assert.equal(decodeUid(encodeUid(id)), id)
  const rejects: unknown[] = [
    '', 'NQ==', 'NQ=', 'NR', 'N Q', ' NQ', 'MA' /* 0 */, 'LTE' /* -1 */, 'MDU' /* 05 */, 'KzU' /* +5 */,
    'MS41' /* 1.5 */, 'YWJj' /* abc */, 'NSA' /* '5 ' */, 'OTAwNzE5OTI1NDc0MDk5Mg' /* 2^53 */,
    'OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5', 'N+Q', 'N/Q', '//8', null, undefined, 5, {},
  ]
  for (const uid of rejects) assert.equal(decodeUid(uid as string), null, inspect(uid))
})
