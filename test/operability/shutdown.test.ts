import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import { childEnv } from '../helpers/cli.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'

const ROOT = new URL('../..', import.meta.url)
/** Registrations in flight at once: each hashes a password at the real argon2 cost, so they last a while. */
const CONCURRENCY = 12
/** close-with-grace gives up (exit 1) after 10 s; a clean shutdown is well within. */
const EXIT_BOUND_MS = 9_000

type LogLine = { msg?: string; level?: number } & Record<string, unknown>
type Outcome = { email: string; status?: number; error?: string; doneAt: number }

/** The real server process (`node --import tsx src/server.ts`), its JSON log lines collected from stdout. */
function startServerProcess(env: Record<string, string>) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  let stderr = ''
  let pending = ''
  const waiters: { match: (l: LogLine) => boolean; resolve: () => void }[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const complete = pending.split('\n')
    pending = complete.pop() ?? ''
    for (const text of complete.filter(Boolean)) {
      const line = JSON.parse(text) as LogLine
      lines.push(line)
      for (const w of waiters.filter((x) => x.match(line))) w.resolve()
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  return {
    child, lines, exited,
    stderr: () => stderr,
    /** Resolves at the first matching log line; rejects if the process exits first. */
    waitFor(match: (l: LogLine) => boolean): Promise<void> {
      if (lines.some(match)) return Promise.resolve()
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ match, resolve })),
        exited.then(({ code }) => { throw new Error(`server exited (${code}) before the log line: ${stderr}`) }),
      ])
    },
  }
}

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
