import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'

/** Registrations in flight at once: each hashes a password at the real argon2 cost, so they last a while. */
const CONCURRENCY = 12
/** close-with-grace gives up (exit 1) after 10 s; a clean shutdown is well within. */
const EXIT_BOUND_MS = 9_000

type Outcome = { email: string; status?: number; error?: string; doneAt: number }

describe('SIGTERM (graceful shutdown)', () => {
  let database: TestDatabase
  let sink: Awaited<ReturnType<typeof startSmtpSink>>
  before(async () => {
    database = await createTestDatabase()
    sink = await startSmtpSink()
  })
  after(async () => {
    await sink.close()
    await database.drop()
  })

  it('When SIGTERM arrives under load, then every request in flight is answered, the process exits 0 and no outbox row is lost', async () => {
    const port = await freePort()
    const server = startServerProcess({
      SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: database.dataDir, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port),
      EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port), EMAIL_POLL_INTERVAL: '1', RATE_LIMIT: 'off', LOG_LEVEL: 'info',
    })
    await server.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'))
    const base = `http://127.0.0.1:${port}`

    // Load: CONCURRENCY workers register users back to back until told to stop sending.
    const outcomes: Outcome[] = []
    let sending = true
    let loadEstablished: () => void = () => {}
    const established = new Promise<void>((resolve) => { loadEstablished = resolve })
    async function worker(): Promise<void> {
      while (sending) {
        const body = newUser()
        try {
          const res = await fetch(`${base}/api/users/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
          await res.arrayBuffer()
          outcomes.push({ email: body.email, status: res.status, doneAt: Date.now() })
        } catch (error) {
          outcomes.push({ email: body.email, error: String((error as Error).cause ?? error), doneAt: Date.now() })
        }
        if (outcomes.length >= CONCURRENCY * 2) loadEstablished()
      }
    }
    const workers = Array.from({ length: CONCURRENCY }, worker)
    await established
    // From here no request is sent; once the server has answered a probe sent after all of them, it has read them
    // all (they are in flight inside the service), so each must get its answer although SIGTERM comes next.
    sending = false
    assert.equal((await fetch(`${base}/healthz`)).status, 200)
    const sigtermAt = Date.now()
    server.child.kill('SIGTERM')

    await Promise.all(workers)
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), EXIT_BOUND_MS).unref())
    const exit = await Promise.race([server.exited, timeout])
    assert.notEqual(exit, 'timeout', `no exit within ${EXIT_BOUND_MS} ms: ${JSON.stringify(server.lines.slice(-8))} ${server.stderr()}`)
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr())

    assert.deepEqual(outcomes.filter((o) => o.status !== 201), [])
    // The test means something only if requests were still running when the signal came.
    assert.ok(outcomes.some((o) => o.doneAt > sigtermAt), 'no request was in flight at SIGTERM')
    assert.ok(server.lines.some((l) => l.status === 201 && l.msg === 'request'))
    // The shutdown says so in one line, the last one; nothing but JSON records reached stdout.
    assert.deepEqual(server.lines.filter((l) => l.msg === 'service stopped').map((l) => [l.level, l.signal]), [[30, 'SIGTERM']])
    assert.equal(server.lines.at(-1)?.msg, 'service stopped')
    assert.deepEqual(server.notJson, [])

    // No mail lost: each registration answered 201 has its activation mail in the outbox, and no mail was left
    // half-sent (claimed by the stopped sender).
    const db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    try {
      const rows = await db.selectFrom('outboxMails').select(['recipient', 'subject', 'claimedUntil', 'sentAt']).execute()
      const registered = outcomes.map((o) => o.email).sort()
      assert.deepEqual(rows.map((r) => r.recipient).sort(), registered)
      assert.ok(rows.every((r) => r.subject === 'Account activation on UniLink'))
      assert.deepEqual(rows.filter((r) => r.claimedUntil !== null && r.sentAt === null), [])
    } finally {
      await db.destroy()
    }
  })
})
