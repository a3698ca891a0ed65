import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import Database from 'better-sqlite3'
import pg from 'pg'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { childEnv } from '../helpers/cli.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { client } from '../helpers/http.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'

// API.md §4/§5: reset and resend answer alike whether or not the account exists, and in the same time (account
// enumeration; @see issue 12, item 8). Timing tests are noise on a shared machine, so this checks the cause instead:
// while the database refuses writes, the answer for an existing account (whose mail is a write) still comes at once,
// so the per-account work is off the request path; its mail is queued once the database can be written again.
// The service runs in its own process: a blocked SQLite write blocks its thread, which must not be this one. Its outbox
// sender polls only hourly and must be idle before each lock, or a write of its own would wait instead (see settle).
const ROOT = new URL('../..', import.meta.url)
/** Well under the service's SQLite busy_timeout (5 s), and far over an answer that does not wait for the database. */
const ANSWER_WITHIN_MS = 3_000

type WriteLock = { release(): Promise<void> }

/** Holds the database's write lock (SQLite) or the outbox table's (PostgreSQL) from another connection. */
async function holdWriteLock(url: string): Promise<WriteLock> {
  const config = parseDatabaseUrl(url, '.')
  if (config.kind === 'sqlite') {
    const sqlite = new Database(config.file)
    sqlite.exec('BEGIN IMMEDIATE')
    return { release: async () => { sqlite.exec('ROLLBACK'); sqlite.close() } }
  }
  const connection = new pg.Client({ connectionString: config.url })
  await connection.connect()
  await connection.query('BEGIN')
  await connection.query('LOCK TABLE outbox_mails IN EXCLUSIVE MODE')
  return { release: async () => { await connection.query('ROLLBACK'); await connection.end() } }
}

async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('POST reset_password/, resend_activation/, reset_email/: the answer does not wait for the account', () => {
  let database: TestDatabase
  let sink: Awaited<ReturnType<typeof startSmtpSink>>
  let child: ChildProcess
  let db: Db
  let base: string
  before(async () => {
    database = await createTestDatabase()
    sink = await startSmtpSink()
    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT, stdio: 'ignore',
      env: childEnv({
        SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: database.dataDir, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port),
        EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port), EMAIL_POLL_INTERVAL: '3600', RATE_LIMIT: 'off', LOG_LEVEL: 'warn',
        ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1',
      }),
    })
    await until(async () => (await fetch(`${base}/healthz`).then((r) => r.status, () => 0)) === 200, 'the service answers /healthz', 60_000)
    db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
  })
  after(async () => {
    await db.destroy()
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    await sink.close()
    await database.drop()
  })

  /**
   * Waits until every queued mail is sent and then for one answer of the service: its sender's last query (the claim
   * that finds nothing more) runs in the same turn of its event loop as the commit that marked the last mail sent, so
   * once the service has answered a later request, the sender is idle until the next mail wakes it.
   */
  async function settle(): Promise<void> {
    await until(async () => (await db.selectFrom('outboxMails').select('id').where('sentAt', 'is', null).execute()).length === 0, 'every mail is sent')
    assert.equal((await fetch(`${base}/healthz`)).status, 200)
  }

  const queuedFor = async (email: string) => (await db.selectFrom('outboxMails').select('id').where('recipient', '=', email).execute()).length

  it('When the database cannot be written, then an existing account still gets its 204 at once, and its mail once it can', async () => {
    const api = client(base)
    const [active, inactive] = [newUser(), newUser()]
    for (const body of [active, inactive]) assert.equal((await api.post('/api/users/', body)).status, 201)
    // Activated in the database: activation itself is tested elsewhere.
    await db.updateTable('users').set({ isActive: 1 }).where('email', '=', active.email).execute()

    for (const [endpoint, email] of [['reset_password', active.email], ['resend_activation', inactive.email], ['reset_email', active.email]] as const) {
      await settle()
      const before = await queuedFor(email)
      const lock = await holdWriteLock(database.url)
      let answer: number | string
      try {
        answer = await Promise.race([
          api.post(`/api/users/${endpoint}/`, { email }).then((res) => res.status),
          new Promise<string>((resolve) => setTimeout(() => resolve('no answer while the database was locked'), ANSWER_WITHIN_MS)),
        ])
      } finally {
        await lock.release()
      }
      assert.equal(answer, 204, endpoint)
      await until(async () => (await queuedFor(email)) === before + 1, `${endpoint}: the mail is queued after the lock`)
    }
  })
})
