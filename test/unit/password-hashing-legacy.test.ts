import assert from 'node:assert/strict'
import { createHash, scryptSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import {
  MAX_BCRYPT_ROUNDS, MAX_SCRYPT_PARALLELISM, checkLegacyDjangoHash,
} from '../../src/platform/legacy-password-hashes.ts'
import { createPasswordHasher } from '../../src/platform/password-hashing.ts'

type Vector = { kind: string; encoded: string; password: string; checks: { password: string; expected: boolean }[] }

// Made by Django itself: scripts/fixtures/make-django-legacy-hashes.py.
const { hashes } = JSON.parse(readFileSync(new URL('../fixtures/django-legacy-hashes.json', import.meta.url), 'utf8')) as { hashes: Vector[] }
const hasher = createPasswordHasher({ memoryCost: 1024, timeCost: 1, parallelism: 1 })
const vectorOf = (kind: string): Vector => hashes.find((v) => v.kind === kind && v.password === 'correct horse') as Vector

void test('verify() agrees with Django check_password for every hasher a deployment can hold', async () => {
  const kinds = new Set(hashes.map((v) => v.kind))
  assert.deepEqual([...kinds].sort(), [
    'argon2', 'bcrypt', 'bcrypt_sha256', 'md5', 'pbkdf2_sha1', 'pbkdf2_sha256', 'scrypt', 'sha1', 'unsalted_md5', 'unsalted_sha1',
  ])
  for (const vector of hashes) {
    for (const check of vector.checks) {
      assert.equal(await hasher.verify(check.password, vector.encoded), check.expected, `${vector.encoded} / ${check.password}`)
    }
  }
})

void test('every imported format asks to be re-hashed to argon2id at the configured cost', () => {
  const production = createPasswordHasher({ memoryCost: 19456, timeCost: 2, parallelism: 1 })
  for (const vector of hashes) assert.equal(production.needsRehash(vector.encoded), true, vector.encoded)
})

void test('unusable, unsupported and mangled legacy rows never match', async () => {
  const md5 = vectorOf('md5')
  const unsaltedMd5 = hashes.find((v) => v.kind === 'unsalted_md5' && !v.encoded.includes('$') && v.password === 'correct horse') as Vector
  const unsaltedSha1 = vectorOf('unsalted_sha1')
  const cases = [
    `!${md5.encoded}`, `!${unsaltedMd5.encoded}`,
    unsaltedMd5.encoded.toUpperCase(), `md5$$${unsaltedMd5.encoded.toUpperCase()}`, `md5$$${unsaltedMd5.encoded}0`,
    unsaltedSha1.encoded.slice(0, -1), `sha1$$${createHash('md5').update('correct horse').digest('hex')}`,
    md5.encoded.replace(/^md5\$[^$]+\$/, 'md5$$$'), 'crypt$$ab1234567890', `${vectorOf('bcrypt').encoded}x`,
    vectorOf('bcrypt_sha256').encoded.replace('bcrypt_sha256$', 'bcrypt$'), vectorOf('scrypt').encoded.replace('$8$', '$08$'),
  ]
  for (const encoded of cases) assert.equal(await hasher.verify('correct horse', encoded), false, encoded)
  assert.equal(await hasher.verify('correct horse', md5.encoded), true, 'control')
})

void test('bcrypt rows above the round cap are refused without being computed', async () => {
  const low = hashes.find((v) => v.kind === 'bcrypt' && v.encoded.includes('$05$')) as Vector
  const withCost = (cost: string): string => low.encoded.replace('$05$', `$${cost}$`)
  assert.equal(await checkLegacyDjangoHash(low.password, low.encoded), 'match')
  assert.equal(await checkLegacyDjangoHash(low.password, withCost('06')), 'mismatch', 'computed at a cost within the cap')
  assert.equal(await checkLegacyDjangoHash(low.password, withCost(String(MAX_BCRYPT_ROUNDS + 1))), 'unverifiable')
  assert.equal(await checkLegacyDjangoHash(low.password, withCost('31')), 'unverifiable')
  assert.equal(await checkLegacyDjangoHash(low.password, withCost('03')), 'unverifiable')
})

void test('scrypt rows above the memory or parallelism cap are refused without being computed', async () => {
  const scrypt = (n: number, r: number, p: number): string => {
    const key = scryptSync('pw', 'salt', 64, { N: n, r, p, maxmem: 512 * 1024 * 1024 }).toString('base64')
    return `scrypt$${n}$salt$${r}$${p}$${key}`
  }
  assert.equal(await checkLegacyDjangoHash('pw', scrypt(16, 1, MAX_SCRYPT_PARALLELISM)), 'match', 'control: at the parallelism cap')
  assert.equal(await checkLegacyDjangoHash('pw', scrypt(16, 1, MAX_SCRYPT_PARALLELISM + 1)), 'unverifiable')
  // 2^21 * 8 * 128 bytes = 2 GiB: refused on the parameters alone.
  assert.equal(await checkLegacyDjangoHash('pw', 'scrypt$2097152$salt$8$1$AAAA'), 'unverifiable')
  assert.equal(await checkLegacyDjangoHash('pw', 'scrypt$1000$salt$8$1$AAAA'), 'unverifiable', 'N not a power of two')
})
