import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { freePort } from './ports.ts'
import { TEST_SECRET_KEY } from './server.ts'
import { startServerProcess } from './server-process.ts'
import { startSmtpSink } from './smtp-sink.ts'
import type { SmtpSink } from './smtp-sink.ts'

/**
 * The PostgreSQL server of the multi-instance tests: TEST_DATABASE_URL's in a PostgreSQL run, else the local server
 * every machine runs (shared/services.md), as test/django-import/postgres-source.test.ts does: several instances
 * exist only on PostgreSQL (API.md §16), so these tests run in every pass of the suite, never skipped.
 */
export const POSTGRES_SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_TEST_URL = process.env.REDIS_URL_FOR_TESTS || 'redis://127.0.0.1:6379'

/** Runs one statement on the server (or, with `database`, in that database) and returns its rows. */
export async function sqlOn(url: string, statement: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return (await c.query(statement, values)).rows as Record<string, unknown>[]
  } finally {
    await c.end()
  }
}

export type Instance = {
  base: string
  /** The value of one sample of GET /metrics (0 when absent). */
  metric(name: string): Promise<number>
  /** The messages of its warnings and errors so far (for a failing assertion to show). */
  warnings(): string[]
  stop(): Promise<void>
}

/** A fresh PostgreSQL database and N real server processes on it (`npm start`'s entry), one SMTP sink for all. */
export async function startInstances(
  count: number, env: Record<string, string> = {}, perInstance: (i: number, databaseUrl: string) => Record<string, string> = () => ({}),
) {
  const name = `accounts_multi_${randomBytes(6).toString('hex')}`
  await sqlOn(POSTGRES_SERVER_URL, `CREATE DATABASE ${name}`)
  const url = new URL(POSTGRES_SERVER_URL)
  url.pathname = `/${name}`
  const databaseUrl = url.toString()
  const dataDir = mkdtempSync(join(tmpdir(), 'unilink-multi-'))
  const mail: SmtpSink = await startSmtpSink()
  const start = async (i: number): Promise<Instance> => {
    const port = await freePort()
    const server = startServerProcess({
      SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: dataDir, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port),
      EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(mail.port), EMAIL_POLL_INTERVAL: '1', EMAIL_RETRY_BASE_SECONDS: '1',
      ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1', RATE_LIMIT: 'off', LOG_LEVEL: 'info', ...env, ...perInstance(i, databaseUrl),
    })
    // Start-up (tsx compiling the service, migrations) is slow on a loaded 2-core machine; a deadline, not a measurement.
    await server.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'), 90_000)
      .catch(async (error: unknown) => {
        // A process left running would keep the test file alive for ever: CI hung here instead of failing.
        server.child.kill('SIGKILL')
        await server.exited
        throw new Error(`instance ${i}: ${String(error)} ${server.stderr()}`)
      })
    const base = `http://127.0.0.1:${port}`
    return {
      base,
      async metric(metricName) {
        const text = await (await fetch(`${base}/metrics`)).text()
        const line = text.split('\n').find((l) => l.startsWith(`${metricName} `))
        return line === undefined ? 0 : Number(line.split(' ')[1])
      },
      warnings: () => server.lines.filter((l) => (l.level ?? 0) >= 40).map((l) => String(l.msg)),
      async stop() {
        server.child.kill('SIGTERM')
        await server.exited
      },
    }
  }
  async function cleanUp(running: Instance[]): Promise<void> {
    await Promise.all(running.map((instance) => instance.stop()))
    await mail.close()
    await sqlOn(POSTGRES_SERVER_URL, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    rmSync(dataDir, { recursive: true, force: true })
  }
  // The first migrates the fresh database; the others find it current. If one fails to start, the others are
  // stopped and everything removed before the error goes up, so the failing file ends.
  const instances: Instance[] = []
  try {
    instances.push(await start(0))
    const rest = await Promise.allSettled(Array.from({ length: count - 1 }, (_, i) => start(i + 1)))
    for (const outcome of rest) if (outcome.status === 'fulfilled') instances.push(outcome.value)
    const failed = rest.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) throw failed.reason
  } catch (error) {
    await cleanUp(instances)
    throw error
  }
  return {
    instances, mail, databaseUrl,
    /** Runs SQL in the instances' database, as an operator in psql would (no instance is told). */
    sql: (statement: string, values: unknown[] = []) => sqlOn(databaseUrl, statement, values),
    close: () => cleanUp(instances),
  }
}

/** Polls `check` until it holds, failing after `deadlineMs`; returns the milliseconds it took. Never sleeps a fixed time. */
export async function within(deadlineMs: number, what: string | (() => string), check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (await check()) return performance.now() - started
    if (performance.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms: ${typeof what === 'string' ? what : what()}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}
