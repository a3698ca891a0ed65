import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import { createPasswordHasher } from '../../src/platform/password-hashing.ts'
import { createSiteAdmin } from '../../src/accounts/site-admins.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { client } from '../helpers/http.ts'
import { login, newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts'

const PASSWORD = 'Crash-Test-Admin-4'

describe('Webhook delivery across a crash', () => {
  let database: TestDatabase
  let receiver: WebhookReceiver
  before(async () => {
    database = await createTestDatabase()
    receiver = await startWebhookReceiver()
  })
  after(async () => {
    await receiver.close()
    await database.drop()
  })

  it('When the service is killed (kill -9) after the commit and before the delivery, then the restarted service delivers it', async () => {
    const port = await freePort()
    const env = {
      SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: database.dataDir, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port),
      RATE_LIMIT: 'off', LOG_LEVEL: 'info', ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1',
      WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1',
    }
    const listening = (l: { msg?: string }) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at')
    const first = startServerProcess(env)
    await first.waitFor(listening)
    const db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    try {
      const hasher = createPasswordHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 })
      await createSiteAdmin(db, hasher, { email: 'crash@example.com', username: 'crash', firstName: 'C', lastName: 'R', password: PASSWORD })
      const api = client(`http://127.0.0.1:${port}`)
      const { access } = await login(api, 'crash@example.com', PASSWORD)
      // The first attempt never gets an answer: the service dies holding it, before any outcome is written.
      receiver.script('/crash', ['hang', 204])
      const hook = await api.post('/api/webhooks/', { url: receiver.url('/crash'), events: ['user.registered'] }, { bearer: access })
      assert.equal(hook.status, 201)
      assert.equal((await api.post('/api/users/', newUser())).status, 201)
      await receiver.waitFor('/crash', 1)
      first.child.kill('SIGKILL')
      assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' })
      const [pending] = await db.selectFrom('webhookDeliveries').selectAll().execute()
      assert.deepEqual([pending?.deliveredAt, pending?.attempts], [null, 0])

      const second = startServerProcess(env)
      try {
        await second.waitFor(listening)
        // The dead process's claim expires with its lease (15 s); then the delivery is taken up again.
        await receiver.waitFor('/crash', 2, 40_000)
        const deadline = Date.now() + 10_000
        let row = pending
        while (row?.deliveredAt === null && Date.now() < deadline) {
          row = await db.selectFrom('webhookDeliveries').selectAll().where('id', '=', pending?.id ?? 0).executeTakeFirst()
        }
        assert.deepEqual([row?.attempts, row?.lastStatusCode], [1, 204])
        assert.ok(row?.deliveredAt)
        const ids = receiver.on('/crash').map((r) => r.headers['webhook-id'])
        assert.equal(ids.length, 2)
        assert.equal(ids[0], ids[1])
      } finally {
        second.child.kill('SIGTERM')
        await second.exited
      }
    } finally {
      await db.destroy()
    }
  })
})
