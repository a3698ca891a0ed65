import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadCommonPasswords, validatePassword } from '../../src/accounts/password-validators.ts'
import type { PasswordUserAttributes } from '../../src/accounts/password-validators.ts'
import { createSequenceMatcher } from '../../src/accounts/sequence-matcher.ts'

type Vectors = {
  validators: { password: string; user: PasswordUserAttributes; messages: string[] }[]
  difflib: { a: string; b: string; quickRatio: number }[]
}

const vectors = JSON.parse(readFileSync(new URL('../fixtures/django-vectors.json', import.meta.url), 'utf8')) as Vectors
const common = loadCommonPasswords(new URL('../../assets/common-passwords.txt', import.meta.url).pathname)

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.'
const TOO_COMMON = 'This password is too common.'
const NUMERIC = 'This password is entirely numeric.'

void test('difflib quick_ratio() matches CPython bit for bit', () => {
  for (const { a, b, quickRatio } of vectors.difflib) {
    const matcher = createSequenceMatcher(a, b)
    assert.equal(matcher.quickRatio(), quickRatio, `quick_ratio(${JSON.stringify(a)}, ${JSON.stringify(b)})`)
  }
})

void test('difflib docstring example', () => {
  assert.equal(createSequenceMatcher('abcd', 'bcde').quickRatio(), 0.75)
  // Code points, not UTF-16 units.
  assert.equal(createSequenceMatcher('🔑', '🔑').quickRatio(), 1)
  assert.equal(createSequenceMatcher('🔑', '🔒').quickRatio(), 0)
})

void test('common password list loads like Django (19727 entries, no empty entry)', () => {
  assert.equal(common.size, 19727)
  assert.ok(common.has('password'))
  assert.ok(!common.has(''))
})

void test('loadCommonPasswords() strips like Python and handles universal newlines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'common-passwords-'))
  try {
    const path = join(dir, 'list.txt')
    writeFileSync(path, ' alpha\r\nbeta\t\rgamma\x1c\n\ufeffdelta\n')
    assert.deepEqual([...loadCommonPasswords(path)].sort(), ['alpha', 'beta', 'gamma', '\ufeffdelta'].sort())
    writeFileSync(path, 'alpha\n\nbeta')
    assert.deepEqual([...loadCommonPasswords(path)].sort(), ['', 'alpha', 'beta'], 'a real blank line is an entry')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

void test('validatePassword() matches Django validate_password on every vector', () => {
  assert.ok(vectors.validators.length >= 40)
  for (const { password, user, messages } of vectors.validators) {
    assert.deepEqual(validatePassword(password, user, common), messages, `${JSON.stringify(password)} ${JSON.stringify(user)}`)
  }
})

void test('messages come in Django validator order', () => {
  assert.deepEqual(validatePassword('12345', { username: '12345' }, common), [
    'The password is too similar to the username.', TOO_SHORT, TOO_COMMON, NUMERIC,
  ])
  assert.deepEqual(validatePassword('Xk9#mQ2$vL7p!', {}, common), [])
})

void test('similarity reports only the first matching attribute, with its verbose name', () => {
  const user = { username: 'zz', firstName: 'Wilhelmina', lastName: 'Wilhelmina', email: 'wilhelmina@example.org' }
  assert.deepEqual(validatePassword('wilhelmina7', user, common), ['The password is too similar to the first name.'])
  assert.deepEqual(validatePassword('wilhelmina7', { lastName: 'Wilhelmina' }, common), ['The password is too similar to the last name.'])
  assert.deepEqual(validatePassword('wilhelmina7', { email: 'wilhelmina@example.org' }, common), ['The password is too similar to the email.'])
  assert.deepEqual(validatePassword('wilhelmina7', { username: null, firstName: '' }, common), [])
})

void test('similarity uses quick_ratio only: an anagram of the username is too similar', () => {
  // difflib's ratio() of these two is 0.125, under the limit: only quick_ratio() (1.0) finds them similar.
  assert.deepEqual(validatePassword('hgfedcba', { username: 'abcdefgh' }, common), ['The password is too similar to the username.'])
})

void test('attribute parts split on Python \\W+: email local part and domain count separately', () => {
  assert.deepEqual(validatePassword('examplecom', { email: 'john.smith@example.com' }, common), [
    'The password is too similar to the email.',
  ])
  assert.deepEqual(validatePassword('Smith42!', { email: 'john.smith@example.com' }, common), [
    'The password is too similar to the email.',
  ])
})

void test('length and numeric checks follow Python len() and str.isdigit()', () => {
  assert.deepEqual(validatePassword('🔑🔑🔑🔑🔑🔑🔑', {}, common), [TOO_SHORT])
  assert.deepEqual(validatePassword('🔑🔑🔑🔑🔑🔑🔑🔑', {}, common), [])
  assert.deepEqual(validatePassword('²³¹²³¹²³¹', {}, common), [NUMERIC])
  assert.deepEqual(validatePassword('٣٤٥٦٧٨٩٠١٢', {}, common), [NUMERIC])
  assert.deepEqual(validatePassword('½½½½½½½½½', {}, common), [])
  assert.deepEqual(validatePassword('1234 5678', {}, common), [])
})

void test('common check lower-cases and strips Python whitespace only', () => {
  assert.deepEqual(validatePassword('\x1cPassWord\x85', {}, common), [TOO_COMMON])
  assert.deepEqual(validatePassword('\ufeffpassword', {}, common), [])
  assert.deepEqual(validatePassword('pass word', {}, common), [])
  assert.deepEqual(validatePassword('password', {}, new Set()), [], 'uses the list it is given')
})
