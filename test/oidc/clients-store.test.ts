import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { createOidcClientStore } from '../../src/oidc/clients-store.ts'
import { clientSecretMatches, hashClientSecret, newClientId, newClientSecret } from '../../src/oidc/client-secrets.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'

describe('OIDC clients: the store and the secrets (API.md §15)', () => {
  let database: TestDatabase
  let db: Db
  before(async () => {
    database = await createTestDatabase()
    db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    await migrateToLatest(db)
  })
  after(async () => {
    await db.destroy()
    await database.drop()
  })

  it('When a client is stored, changed and removed, then each read returns what was written, the JSON lists parsed', async () => {
    const store = createOidcClientStore(db)
    const clientId = newClientId()
    const secret = newClientSecret()
    const created = await store.insert(db, {
      clientId, name: 'Library', type: 'confidential', firstParty: false,
      redirectUris: ['https://library.example.edu/cb'], postLogoutRedirectUris: [], secretHash: hashClientSecret(secret),
    }, 1000)
    assert.deepEqual(await store.find(clientId), created)
    assert.deepEqual(created.redirectUris, ['https://library.example.edu/cb'])
    assert.equal(created.firstParty, false)

    const redirectUris = ['https://a.example.edu/cb', 'https://b.example.edu/cb']
    const changed = await store.update(db, clientId, { name: 'Library (new)', firstParty: true, redirectUris }, 2000)
    assert.equal(changed?.name, 'Library (new)')
    assert.equal(changed?.firstParty, true)
    assert.deepEqual(changed?.redirectUris, ['https://a.example.edu/cb', 'https://b.example.edu/cb'])
    assert.equal(changed?.updatedAt, 2000)
    assert.equal(changed?.createdAt, 1000)
    assert.deepEqual((await store.list()).map((c) => c.clientId), [clientId])

    assert.equal(await store.remove(db, clientId), true)
    assert.equal(await store.find(clientId), undefined)
    assert.equal(await store.remove(db, clientId), false)
  })

  it('When a client_id is empty or longer than any stored one, then no client is found and nothing fails', async () => {
    const store = createOidcClientStore(db)
    assert.equal(await store.find(''), undefined)
    assert.equal(await store.find('x'.repeat(10_000)), undefined)
    assert.equal(await store.update(db, 'x'.repeat(10_000), { name: 'n' }, 1), undefined)
    assert.equal(await store.remove(db, 'x'.repeat(10_000)), false)
  })

  it('When a secret is checked, then only the secret itself matches its hash, and a public client (no hash) matches nothing', () => {
    const secret = newClientSecret()
    const hash = hashClientSecret(secret)
    assert.equal(clientSecretMatches(secret, hash), true)
    assert.equal(clientSecretMatches(`${secret}x`, hash), false)
    assert.equal(clientSecretMatches('', hash), false)
    assert.equal(clientSecretMatches(secret, null), false)
    assert.notEqual(newClientId(), newClientId())
    assert.match(newClientSecret(), /^[\w-]{43}$/)
  })
})
