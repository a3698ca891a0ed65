import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { SignJWT, importJWK, jwtVerify } from 'jose'
import type { JWK } from 'jose'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { SigningKeySealedElsewhereError } from '../../src/oidc/key-seal.ts'
import { OIDC_MAX_TOKEN_SECONDS, createSigningKeys } from '../../src/oidc/signing-keys.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'

const PREPUBLISH = 900
const T0 = Date.UTC(2026, 0, 1)
const MINUTE = 60_000

const kidsOf = (keys: Record<string, unknown>[]) => keys.map((k) => `${String(k.alg)}:${String(k.kid)}`)

describe('OIDC signing keys: first keys, rotation, pruning, sealing (API.md §15)', () => {
  let database: TestDatabase
  let db: Db
  const keysOn = (on: Db, secretKey = TEST_SECRET_KEY) => createSigningKeys({ db: on, secretKey, prepublishSeconds: PREPUBLISH })
  before(async () => {
    database = await createTestDatabase()
    db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    await migrateToLatest(db)
  })
  beforeEach(async () => { await db.deleteFrom('oidcSigningKeys').execute() })
  after(async () => {
    await db.destroy()
    await database.drop()
  })

  it('When the table is empty, then the keystore makes one ES256 and one EdDSA key, signing at once, and keeps them', async () => {
    const keys = keysOn(db)
    const first = await keys.keystore(T0)
    assert.deepEqual(first.keys.map((k) => [k.alg, k.use, typeof k.kid, typeof k.d]),
      [['ES256', 'sig', 'string', 'string'], ['EdDSA', 'sig', 'string', 'string']])
    assert.deepEqual(first.keys.map((k) => [k.kty, k.crv]), [['EC', 'P-256'], ['OKP', 'Ed25519']])
    const again = await keys.keystore(T0 + MINUTE)
    assert.deepEqual(again, first)
    const listed = await keys.list(T0)
    assert.deepEqual(listed.map((k) => [k.alg, k.kid, k.state, k.createdAt, k.activeFrom, k.retiredAt]),
      first.keys.map((k) => [k.alg, k.kid, 'signing', T0, T0, null]))
  })

  it('When a key of the keystore signs a JWT, then the public JWK stored for its kid verifies it', async () => {
    const { keys } = await keysOn(db).keystore(T0)
    const rows = await db.selectFrom('oidcSigningKeys').select(['kid', 'publicJwk']).execute()
    for (const jwk of keys) {
      const alg = String(jwk.alg)
      const jwt = await new SignJWT({ sub: '1' }).setProtectedHeader({ alg, kid: String(jwk.kid) }).sign(await importJWK(jwk as JWK, alg))
      const publicJwk = JSON.parse(rows.find((r) => r.kid === jwk.kid)?.publicJwk ?? '{}') as JWK
      assert.equal(publicJwk.d, undefined)
      assert.deepEqual([publicJwk.kid, publicJwk.alg, publicJwk.use], [jwk.kid, alg, 'sig'])
      const { payload } = await jwtVerify(jwt, await importJWK(publicJwk, alg))
      assert.equal(payload.sub, '1')
    }
  })

  it('When keys are rotated, then the new ones are published at once but come first only from their activation, and the old ones retire then', async () => {
    const keys = keysOn(db)
    const initial = await keys.keystore(T0)
    const rotatedAt = T0 + 10 * MINUTE
    const activeFrom = rotatedAt + PREPUBLISH * 1000
    const created = await keys.rotate(rotatedAt)
    assert.deepEqual(created.map((k) => [k.alg, k.state, k.createdAt, k.activeFrom, k.retiredAt]),
      [['ES256', 'next', rotatedAt, activeFrom, null], ['EdDSA', 'next', rotatedAt, activeFrom, null]])
    const [oldEs, oldEd] = kidsOf(initial.keys)
    const [newEs, newEd] = created.map((k) => `${k.alg}:${k.kid}`)

    const published = await keys.keystore(activeFrom - 1)
    assert.deepEqual(kidsOf(published.keys), [oldEs, newEs, oldEd, newEd])
    assert.notEqual(published.fingerprint, initial.fingerprint)

    const switched = await keys.keystore(activeFrom)
    assert.deepEqual(kidsOf(switched.keys), [newEs, oldEs, newEd, oldEd])
    assert.notEqual(switched.fingerprint, published.fingerprint)
    assert.equal((await keys.keystore(activeFrom + MINUTE)).fingerprint, switched.fingerprint)

    const states = (at: number) => keys.list(at).then((list) => list.map((k) => `${k.alg}:${k.kid} ${k.state} ${k.retiredAt ?? '-'}`))
    assert.deepEqual(await states(activeFrom - 1), [`${oldEs} signing ${activeFrom}`, `${oldEd} signing ${activeFrom}`, `${newEs} next -`, `${newEd} next -`])
    assert.deepEqual(await states(activeFrom), [`${oldEs} retired ${activeFrom}`, `${oldEd} retired ${activeFrom}`, `${newEs} signing -`, `${newEd} signing -`])
  })

  it('When retired keys are pruned, then only those retired longer ago than the longest token lifetime go', async () => {
    const keys = keysOn(db)
    const old = kidsOf((await keys.keystore(T0)).keys)
    const [next] = await keys.rotate(T0)
    assert.ok(next)
    const windowEnd = next.activeFrom + OIDC_MAX_TOKEN_SECONDS * 1000
    assert.deepEqual(await keys.prune(next.activeFrom, OIDC_MAX_TOKEN_SECONDS), [])
    assert.deepEqual(await keys.prune(windowEnd, OIDC_MAX_TOKEN_SECONDS), [])
    assert.equal((await keys.keystore(windowEnd)).keys.length, 4)
    const dropped = await keys.prune(windowEnd + 1, OIDC_MAX_TOKEN_SECONDS)
    assert.deepEqual(dropped, old.map((k) => k.split(':')[1]).sort())
    const left = await keys.keystore(windowEnd + 1)
    assert.deepEqual(left.keys.map((k) => k.alg), ['ES256', 'EdDSA'])
    assert.equal(left.keys.some((k) => old.includes(`${String(k.alg)}:${String(k.kid)}`)), false)
    assert.deepEqual(await keys.prune(windowEnd + 1, OIDC_MAX_TOKEN_SECONDS), [])
  })

  it('When keys are rotated twice before the first rotation signs, then each key retires when its successor starts', async () => {
    const keys = keysOn(db)
    await keys.keystore(T0)
    const [second] = await keys.rotate(T0 + MINUTE)
    const [third] = await keys.rotate(T0 + 2 * MINUTE)
    assert.ok(second && third)
    const es = (await keys.list(second.activeFrom)).filter((k) => k.alg === 'ES256')
    assert.deepEqual(es.map((k) => [k.state, k.retiredAt]), [['retired', second.activeFrom], ['signing', third.activeFrom], ['next', null]])
    assert.deepEqual((await keys.list(third.activeFrom)).filter((k) => k.alg === 'ES256').map((k) => k.state), ['retired', 'retired', 'signing'])
  })

  it('When the table is empty and keys are rotated, then the new keys sign at once (there is nothing to wait for)', async () => {
    const created = await keysOn(db).rotate(T0)
    assert.deepEqual(created.map((k) => [k.alg, k.state, k.activeFrom]), [['ES256', 'signing', T0], ['EdDSA', 'signing', T0]])
  })

  it('When the keys are stored, then no column holds a private key\'s `d` or any part of its JWK in the clear', async () => {
    await keysOn(db).rotate(T0)
    const { keys } = await keysOn(db).keystore(T0)
    const rows = await db.selectFrom('oidcSigningKeys').selectAll().execute()
    const dump = JSON.stringify(rows)
    for (const key of keys) {
      assert.equal(typeof key.d, 'string')
      assert.equal(dump.includes(String(key.d)), false)
    }
    for (const row of rows) assert.match(row.privateJwkSealed, /^v1\.[A-Za-z0-9_-]+$/)
  })

  it('When SECRET_KEY is not the one the keys were sealed under, then a clear error says what to do, and rotate adds nothing', async () => {
    await keysOn(db).keystore(T0)
    const other = keysOn(db, 'another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz')
    await assert.rejects(other.keystore(T0), (error: unknown) => {
      assert.ok(error instanceof SigningKeySealedElsewhereError)
      assert.match(error.message, /^The OIDC signing key \S+ does not open with this SECRET_KEY: the keys in the table oidc_signing_keys were sealed under another SECRET_KEY\. Run the service with the SECRET_KEY they were made with; or, .*delete the rows of oidc_signing_keys/)
      assert.doesNotMatch(error.message, /unable to authenticate|Unsupported state/)
      return true
    })
    await assert.rejects(other.rotate(T0), SigningKeySealedElsewhereError)
    assert.equal((await keysOn(db).list(T0)).length, 2)
  })

  it('When a sealed key is copied onto another key\'s row, then it is refused as not sealed for that kid', async () => {
    await keysOn(db).keystore(T0)
    const [a, b] = await db.selectFrom('oidcSigningKeys').select(['kid', 'privateJwkSealed']).orderBy('id').execute()
    assert.ok(a && b)
    await db.updateTable('oidcSigningKeys').set({ privateJwkSealed: a.privateJwkSealed }).where('kid', '=', b.kid).execute()
    await assert.rejects(keysOn(db).keystore(T0), new RegExp(`^SigningKeySealedElsewhereError: The OIDC signing key ${b.kid} `))
  })

  it('When two instances start at once on an empty table, then one ES256 and one EdDSA key exist and both agree', async () => {
    // On PostgreSQL two pools, as two instances have. SQLite serves one instance: two keystores on its one connection
    // (a second handle in the same process would wait for the first's write lock synchronously, blocking it).
    const postgres = database.url.startsWith('postgres')
    const other = postgres ? openDatabase(parseDatabaseUrl(database.url, database.dataDir)) : db
    try {
      const [a, b] = await Promise.all([keysOn(db).keystore(T0), keysOn(other).keystore(T0)])
      assert.deepEqual(a, b)
      assert.equal((await keysOn(db).list(T0)).length, 2)
    } finally {
      if (postgres) await other.destroy()
    }
  })
})
