import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { createOidcAdapter, pruneExpiredOidcPayloads } from '../../src/oidc/adapter.ts'
import type { OidcAdapterClass } from '../../src/oidc/adapter.ts'
import { createOidcPayloadStore } from '../../src/oidc/payload-store.ts'
import { createTestClock } from '../helpers/clock.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { startServer } from '../helpers/server.ts'

const id = () => randomBytes(16).toString('base64url')

/** Polls until `check` holds, failing after `timeoutMs` (no sleeps in tests). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('OIDC storage adapter: oidc-provider\'s Adapter contract on our database (API.md §15)', () => {
  let database: TestDatabase
  let db: Db
  const clock = createTestClock()
  let Adapter: OidcAdapterClass
  before(async () => {
    database = await createTestDatabase()
    db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    await migrateToLatest(db)
    Adapter = createOidcAdapter(db, clock.now)
  })
  after(async () => {
    await db.destroy()
    await database.drop()
  })

  it('When a payload is upserted, then find returns the same JSON, nested values and unicode included', async () => {
    const tokens = new Adapter('AccessToken')
    const jti = id()
    const payload = {
      jti, kind: 'AccessToken', accountId: '42', clientId: 'lib', grantId: id(), scope: 'openid email', iat: 1, exp: 2,
      claims: { id_token: { email: null, acr: { essential: true, values: ['mfa'] } } }, extra: { name: 'Zoë Ünïcode 😀', n: 1.5, ok: false, none: null },
      aud: ['https://rp.example.edu'],
    }
    await tokens.upsert(jti, payload, 3600)
    assert.deepEqual(await tokens.find(jti), payload)
    // Another model with the same id is another row.
    assert.equal(await new Adapter('RefreshToken').find(jti), undefined)
    assert.equal(await tokens.find(id()), undefined)
  })

  it('When a payload is upserted again, then the new one replaces it, and it is not consumed any more', async () => {
    const codes = new Adapter('AuthorizationCode')
    const jti = id()
    await codes.upsert(jti, { jti, n: 1 }, 60)
    await codes.consume(jti)
    await codes.upsert(jti, { jti, n: 2 }, 60)
    assert.deepEqual(await codes.find(jti), { jti, n: 2 })
  })

  it('When a row\'s lifetime has passed, then find, findByUid and findByUserCode no longer return it', async () => {
    const sessions = new Adapter('Session')
    const devices = new Adapter('DeviceCode')
    const jti = id()
    const uid = id()
    const code = id()
    await sessions.upsert(jti, { jti, uid, accountId: '7' }, 10)
    await devices.upsert(code, { jti: code, userCode: 'ABCD-EFGH' }, 10)
    clock.advance(9_999)
    assert.deepEqual(await sessions.find(jti), { jti, uid, accountId: '7' })
    assert.deepEqual(await sessions.findByUid(uid), { jti, uid, accountId: '7' })
    assert.deepEqual(await devices.findByUserCode('ABCD-EFGH'), { jti: code, userCode: 'ABCD-EFGH' })
    clock.advance(1)
    assert.equal(await sessions.find(jti), undefined)
    assert.equal(await sessions.findByUid(uid), undefined)
    assert.equal(await devices.findByUserCode('ABCD-EFGH'), undefined)
  })

  it('When no lifetime is given, then the row does not expire', async () => {
    const grants = new Adapter('Grant')
    const jti = id()
    await grants.upsert(jti, { jti, accountId: '9' }, undefined)
    clock.advance(365 * 86_400_000)
    assert.deepEqual(await grants.find(jti), { jti, accountId: '9' })
  })

  it('When findByUid or findByUserCode asks, then only rows of the adapter\'s model match', async () => {
    const uid = id()
    await new Adapter('Interaction').upsert(id(), { uid }, 60)
    assert.equal(await new Adapter('Session').findByUid(uid), undefined)
    assert.ok(await new Adapter('Interaction').findByUid(uid))
    assert.equal(await new Adapter('Session').findByUid(id()), undefined)
    assert.equal(await new Adapter('DeviceCode').findByUserCode('NOPE-NOPE'), undefined)
  })

  it('When a row is consumed, then find returns it with `consumed` (epoch seconds of the first consume)', async () => {
    const codes = new Adapter('AuthorizationCode')
    const jti = id()
    await codes.upsert(jti, { jti, clientId: 'lib' }, 60)
    const at = clock.now()
    await codes.consume(jti)
    clock.advance(5_000)
    await codes.consume(jti)
    assert.deepEqual(await codes.find(jti), { jti, clientId: 'lib', consumed: Math.floor(at / 1000) })
    await codes.consume(id())
  })

  it('When a row is destroyed, then find returns nothing; other models\' rows of that id stay', async () => {
    const jti = id()
    await new Adapter('Session').upsert(jti, { jti, uid: id() }, 60)
    await new Adapter('Interaction').upsert(jti, { jti }, 60)
    await new Adapter('Session').destroy(jti)
    assert.equal(await new Adapter('Session').find(jti), undefined)
    assert.deepEqual(await new Adapter('Interaction').find(jti), { jti })
    await new Adapter('Session').destroy(jti)
  })

  it('When a grant is revoked, then every token of it goes (whichever model asks) and the Grant, its Interaction and other grants stay', async () => {
    const grantId = id()
    const other = id()
    const tokens = ['AccessToken', 'RefreshToken', 'AuthorizationCode'].map((model) => ({ model, jti: id() }))
    for (const { model, jti } of tokens) await new Adapter(model).upsert(jti, { jti, grantId }, 60)
    const kept = id()
    await new Adapter('AccessToken').upsert(kept, { jti: kept, grantId: other }, 60)
    await new Adapter('Grant').upsert(grantId, { jti: grantId, accountId: '5' }, 60)
    const interaction = id()
    await new Adapter('Interaction').upsert(interaction, { jti: interaction, grantId }, 60)

    await new Adapter('RefreshToken').revokeByGrantId(grantId)
    for (const { model, jti } of tokens) assert.equal(await new Adapter(model).find(jti), undefined, model)
    assert.deepEqual(await new Adapter('AccessToken').find(kept), { jti: kept, grantId: other })
    assert.deepEqual(await new Adapter('Grant').find(grantId), { jti: grantId, accountId: '5' })
    assert.deepEqual(await new Adapter('Interaction').find(interaction), { jti: interaction, grantId })
  })

  it('When a user\'s grants (or sessions) are asked for, then the ids of that model\'s rows with that accountId come back, and no token\'s', async () => {
    const accountId = `acct-${id()}`
    const grants = [id(), id()].sort()
    for (const g of grants) await new Adapter('Grant').upsert(g, { jti: g, accountId, clientId: 'lib' }, 3600)
    await new Adapter('AccessToken').upsert(id(), { accountId, grantId: grants[0] }, 3600)
    await new Adapter('Grant').upsert(id(), { accountId: `${accountId}-other` }, 3600)
    const store = createOidcPayloadStore(db)
    assert.deepEqual(await store.grantIdsForAccount(accountId), grants)
    assert.deepEqual(await store.grantIdsForAccount('nobody'), [])
    // Our user ids are numbers; the provider stores accountId as a string.
    await new Adapter('Grant').upsert('numeric-grant', { accountId: '123456' }, 3600)
    assert.deepEqual(await store.grantIdsForAccount(123456), ['numeric-grant'])
    // The provider's Session carries accountId too: a user's sessions can be found to end them.
    const session = id()
    await new Adapter('Session').upsert(session, { jti: session, uid: id(), accountId }, 3600)
    assert.deepEqual(await store.idsForAccount('Session', accountId), [session])
    assert.deepEqual(await store.idsForAccount('Session', 'x'.repeat(1000)), [])
  })

  it('When an id, uid, user code or grant id is empty or oversized (attacker input), then nothing is found and nothing fails', async () => {
    const huge = 'x'.repeat(100_000)
    const sessions = new Adapter('Session')
    for (const value of ['', huge]) {
      assert.equal(await sessions.find(value), undefined)
      assert.equal(await sessions.findByUid(value), undefined)
      assert.equal(await sessions.findByUserCode(value), undefined)
      await sessions.consume(value)
      await sessions.destroy(value)
      await sessions.revokeByGrantId(value)
    }
  })

  it('When expired rows are pruned, then exactly they are deleted and live or lifetime-less rows stay', async () => {
    const store = createOidcPayloadStore(db)
    // Only this test's rows: the earlier tests' ones expire on their own schedule.
    await db.deleteFrom('oidcPayloads').execute()
    const live = id()
    const expired = id()
    const forever = id()
    await new Adapter('AccessToken').upsert(live, { jti: live }, 120)
    await new Adapter('AccessToken').upsert(expired, { jti: expired }, 60)
    await new Adapter('Grant').upsert(forever, { jti: forever }, undefined)
    clock.advance(60_000)
    assert.equal(await pruneExpiredOidcPayloads(db, clock.now()), 1)
    const left = await db.selectFrom('oidcPayloads').select('id').where('id', 'in', [live, expired, forever]).execute()
    assert.deepEqual(left.map((r) => r.id).sort(), [live, forever].sort())
    assert.equal(await store.pruneExpired(clock.now()), 0)
  })
})

describe('The periodic job prunes the provider\'s expired rows', () => {
  it('When a server starts on a database with expired OIDC rows, then its pruning job deletes them and keeps the live ones', async () => {
    const first = await startServer({}, { keepDatabase: true })
    await first.close()
    const db = openDatabase(parseDatabaseUrl(first.database.url, first.database.dataDir))
    const past = createTestClock(Date.now() - 3_600_000)
    await new (createOidcAdapter(db, past.now))('AccessToken').upsert('expired-token', { jti: 'expired-token' }, 60)
    await new (createOidcAdapter(db, Date.now))('AccessToken').upsert('live-token', { jti: 'live-token' }, 3600)
    await db.destroy()

    const server = await startServer({}, { database: first.database })
    try {
      const ids = async () => (await server.db.selectFrom('oidcPayloads').select('id').orderBy('id').execute()).map((r) => r.id)
      await eventually(async () => !(await ids()).includes('expired-token'))
      assert.deepEqual(await ids(), ['live-token'])
    } finally {
      await server.close()
    }
  })
})
