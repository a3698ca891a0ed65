import assert from 'node:assert/strict'
import { pbkdf2Sync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { argon2i, argon2id, hash as argon2Hash } from 'argon2'
import { MAX_PBKDF2_ITERATIONS, createPasswordHasher } from '../../src/platform/password-hashing.ts'
import type { Argon2Cost } from '../../src/platform/password-hashing.ts'

type HashVector = {
  kind: string
  cost: Argon2Cost | null
  encoded: string
  password: string
  checks: { password: string; expected: boolean }[]
}
type Vectors = { hashes: HashVector[]; rejectedHashes: { encoded: string; password: string; expected: boolean }[] }

const vectors = JSON.parse(readFileSync(new URL('../fixtures/django-vectors.json', import.meta.url), 'utf8')) as Vectors
const LOW: Argon2Cost = { memoryCost: 1024, timeCost: 1, parallelism: 1 }
const hasher = createPasswordHasher(LOW)

// Django's own Argon2 encoding, with libargon2's m,t,p parameter order.
const DJANGO_ARGON2ID = /^argon2\$argon2id\$v=19\$m=1024,t=1,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/

const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '')

const median = async (runs: number, fn: () => Promise<unknown>): Promise<number> => {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await fn()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)] as number
}

void test('hash() writes Django Argon2PasswordHasher encoding that verifies', async () => {
  const encoded = await hasher.hash('correct horse')
  assert.match(encoded, DJANGO_ARGON2ID)
  assert.equal(await hasher.verify('correct horse', encoded), true)
  assert.equal(await hasher.verify('correct horsE', encoded), false)
  assert.notEqual(await hasher.hash('correct horse'), encoded, 'salt must be random')
})

void test('hash() keeps unicode passwords intact (UTF-8, like Django)', async () => {
  const encoded = await hasher.hash('pässwörd✓ 🔑')
  assert.equal(await hasher.verify('pässwörd✓ 🔑', encoded), true)
  assert.equal(await hasher.verify('passwörd✓ 🔑', encoded), false)
})

void test('verify() agrees with Django check_password on Django-made hashes', async () => {
  const kinds = new Set(vectors.hashes.map((v) => v.kind))
  assert.deepEqual([...kinds].sort(), ['argon2i', 'argon2id', 'pbkdf2_sha1', 'pbkdf2_sha256'])
  for (const vector of vectors.hashes) {
    assert.ok(vector.checks.some((c) => c.expected), 'each vector has a matching password')
    for (const check of vector.checks) {
      assert.equal(await hasher.verify(check.password, vector.encoded), check.expected, `${vector.encoded} / ${check.password}`)
    }
  }
})

void test('verify() rejects what Django rejects, without throwing', async () => {
  assert.ok(vectors.rejectedHashes.length > 0)
  for (const vector of vectors.rejectedHashes) {
    assert.equal(await hasher.verify(vector.password, vector.encoded), false, vector.encoded)
  }
})

void test('null, unusable and malformed hashes never match and never throw', async () => {
  const real = await hasher.hash('pw')
  const pbkdf2 = vectors.hashes.find((v) => v.kind === 'pbkdf2_sha256' && v.password === 'correct horse') as HashVector
  const cases: (string | null)[] = [
    null, '', '!', `!${real}`, `!${pbkdf2.encoded}`, 'argon2', 'argon2$', `argon2$$${real.slice('argon2$'.length)}`,
    real.replace('m=1024', 'm=abc'), real.replace('argon2id', 'argon2x'), real.replace('argon2id', 'argon2d'),
    real.replace(/\$[^$]+\$([^$]+)$/, (_m, h: string) => `$AAAA$${h}`), `${real}$extra`, real.slice(0, -10), 'pbkdf2_sha256$', 'pbkdf2_sha256$1000$$abc',
    pbkdf2.encoded.replace('$1000$', '$0$'), pbkdf2.encoded.replace('$1000$', '$1e3$'), pbkdf2.encoded.replace('pbkdf2_sha256', 'pbkdf2_sha512'),
    'bcrypt_sha256$$2b$12$abc', 'sha1$salt$hash', '5f4dcc3b5aa765d61d8327deb882cf99', '\u0000', 'argon2$argon2id$v=19$m=1024,t=1,p=1$\u00ff$\u00ff',
  ]
  for (const encoded of cases) {
    assert.equal(await hasher.verify('pw', encoded), false, String(encoded))
    assert.equal(await hasher.verify('correct horse', encoded), false, String(encoded))
  }
  assert.equal(await hasher.verify(null as unknown as string, real), false)
  assert.equal(await hasher.verify('pw', real), true, 'control: the untouched hash matches')
})

void test('PBKDF2 above the iteration cap is refused even when the password is right', async () => {
  const iterations = MAX_PBKDF2_ITERATIONS + 1
  const digest = pbkdf2Sync('pw', 'capsalt', iterations, 20, 'sha1').toString('base64')
  assert.equal(await hasher.verify('pw', `pbkdf2_sha1$${iterations}$capsalt$${digest}`), false)
  const atCap = pbkdf2Sync('pw', 'capsalt', 1000, 20, 'sha1').toString('base64')
  assert.equal(await hasher.verify('pw', `pbkdf2_sha1$1000$capsalt$${atCap}`), true, 'control')
})

void test('argon2 rows with extreme time or parallelism cost are refused', async () => {
  const salt = Buffer.from('fixedsaltfixedsalt')
  const make = async (t: number, p: number): Promise<string> => {
    const raw = await argon2Hash('pw', { type: argon2id, memoryCost: 8 * p, timeCost: t, parallelism: p, salt, hashLength: 16, raw: true })
    return `argon2$argon2id$v=19$m=${8 * p},t=${t},p=${p}$${b64(salt)}$${b64(raw)}`
  }
  assert.equal(await hasher.verify('pw', await make(10, 16)), true, 'control: at the caps')
  assert.equal(await hasher.verify('pw', await make(11, 1)), false)
  assert.equal(await hasher.verify('pw', await make(1, 17)), false)
  const generous = createPasswordHasher({ memoryCost: 1024, timeCost: 11, parallelism: 17 })
  assert.equal(await generous.verify('pw', await make(11, 17)), true, 'caps never go below the configured cost')
})

void test('argon2 rows above the memory cap are refused', async () => {
  const salt = Buffer.from('fixedsaltfixedsalt')
  const m = 262_145
  const raw = await argon2Hash('pw', { type: argon2i, memoryCost: m, timeCost: 1, parallelism: 1, salt, hashLength: 16, raw: true })
  assert.equal(await hasher.verify('pw', `argon2$argon2i$v=19$m=${m},t=1,p=1$${b64(salt)}$${b64(raw)}`), false)
})

void test('needsRehash() is false only for argon2id v19 at exactly the configured cost', async () => {
  assert.equal(hasher.needsRehash(await hasher.hash('pw')), false)
  for (const vector of vectors.hashes) {
    const sameCost = vector.kind === 'argon2id' && vector.cost !== null
    assert.equal(
      hasher.needsRehash(vector.encoded),
      !(sameCost && vector.cost?.memoryCost === 1024 && vector.cost.timeCost === 1 && vector.cost.parallelism === 1),
      vector.encoded,
    )
    if (sameCost) assert.equal(createPasswordHasher(vector.cost as Argon2Cost).needsRehash(vector.encoded), false, vector.encoded)
  }
  const encoded = await hasher.hash('pw')
  for (const cost of [{ ...LOW, memoryCost: 2048 }, { ...LOW, timeCost: 2 }, { ...LOW, parallelism: 2 }]) {
    assert.equal(createPasswordHasher(cost).needsRehash(encoded), true, JSON.stringify(cost))
  }
  assert.equal(hasher.needsRehash(encoded.replace('v=19$', '')), true, 'argon2 version 0x10')
  for (const malformed of ['', '!', 'garbage', 'argon2$', encoded.replace('argon2$', ''), null as unknown as string]) {
    assert.equal(hasher.needsRehash(malformed), true, String(malformed))
  }
})

void test('verifyDummy() runs argon2 at the configured cost, and so does verify() of unverifiable rows', async () => {
  const slow = createPasswordHasher({ memoryCost: 16_384, timeCost: 2, parallelism: 1 })
  const encoded = await slow.hash('pw')
  await slow.verifyDummy('warm-up')
  const real = await median(5, () => slow.verify('wrong', encoded))
  const dummy = await median(5, () => slow.verifyDummy('wrong'))
  const unknownUser = await median(5, () => slow.verify('wrong', null))
  const unusable = await median(5, () => slow.verify('wrong', '!unusable'))
  // A skipped argon2 run is ~1000x faster than a real one; allow wide jitter.
  for (const [name, ms] of Object.entries({ dummy, unknownUser, unusable })) {
    assert.ok(ms > real * 0.3, `${name} took ${ms.toFixed(2)}ms vs real verify ${real.toFixed(2)}ms`)
  }
})

void test('verifyDummy() really hashes with the configured cost (invalid cost surfaces)', async () => {
  // libargon2 needs at least 8 KiB per lane, so this cost cannot hash.
  const broken = createPasswordHasher({ memoryCost: 1, timeCost: 1, parallelism: 1 })
  await assert.rejects(broken.verifyDummy('pw'))
  assert.equal(await broken.verify('pw', null), false, 'verify() still never throws')
})
