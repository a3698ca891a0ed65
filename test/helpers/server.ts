import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import pino from 'pino'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Config } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { createTestDatabase } from './database.ts'
import type { TestDatabase } from './database.ts'
import { startSmtpSink } from './smtp-sink.ts'
import type { SmtpSink } from './smtp-sink.ts'

export const TEST_SECRET_KEY = 'test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz'

export type TestServer = {
  base: string
  config: Readonly<Config>
  db: Db
  mail: SmtpSink
  /** The database, to start another server on it (see `ServerOptions.database`). */
  database: TestDatabase
  logs: LogSink
  close(): Promise<void>
}

export type ServerOptions = {
  /** Where the service sends its mail instead of the sink (e.g. a port where nothing listens: SMTP is down). */
  smtpPort?: number
  /** Start on the database of an earlier, closed server (one started with `keepDatabase`) instead of a new one. */
  database?: TestDatabase
  /** Leave the database in place on close, for a later server; the last server on it drops it. */
  keepDatabase?: boolean
  /** The service's clock (rate limits, refresh rotation); see createTestClock. Real time when absent. */
  clock?: () => number
  /** Listen on this port instead of an ephemeral one: WEBAUTHN_ORIGINS, DOMAIN or OIDC_ISSUER must name it before the start (see ports.ts). */
  port?: number
}

type LogLine = { level: number; msg?: string } & Record<string, unknown>
export type LogSink = ReturnType<typeof createLogSink>

/** Collects the service's warnings and errors (pino JSON lines), so tests can wait for one instead of sleeping. */
function createLogSink() {
  const lines: LogLine[] = []
  const waiters: { match: (l: LogLine) => boolean; resolve: () => void }[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const line = JSON.parse(chunk.toString('utf8')) as LogLine
      lines.push(line)
      for (const w of waiters.filter((x) => x.match(line))) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
      callback()
    },
  })
  return {
    stream,
    lines,
    /** Resolves once a line (already logged or still to come) matches; rejects after `timeoutMs`. */
    waitFor(match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<void> {
      if (lines.some(match)) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching log line')), timeoutMs)
        waiters.push({ match, resolve: () => { clearTimeout(timer); resolve() } })
      })
    },
  }
}

/**
 * The real service on an ephemeral port, a database of its own, and a real SMTP sink. Argon2's cost is lowered
 * through configuration (never mocked) so the suite stays fast.
 */
export async function startServer(env: Record<string, string> = {}, opts: ServerOptions = {}): Promise<TestServer> {
  const database = opts.database ?? await createTestDatabase()
  const mail = await startSmtpSink()
  const config = loadConfig({
    SECRET_KEY: TEST_SECRET_KEY,
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.url,
    EMAIL_HOST: '127.0.0.1',
    EMAIL_PORT: String(opts.smtpPort ?? mail.port),
    EMAIL_POLL_INTERVAL: '1',
    EMAIL_RETRY_BASE_SECONDS: '1',
    ARGON2_MEMORY_KIB: '64',
    ARGON2_TIME_COST: '1',
    AUTH_COOKIE_SECURE: 'true',
    LOG_LEVEL: 'silent',
    // Most files make many requests from 127.0.0.1; the throttling tests turn limits on with small numbers.
    RATE_LIMIT: 'off',
    ...env,
  })
  const db = openDatabase(config.database)
  await migrateToLatest(db)
  const logs = createLogSink()
  const app = await buildApp(config, { db, logger: pino({ level: config.logLevel === 'silent' ? 'warn' : config.logLevel }, logs.stream), clock: opts.clock })
  await app.listen({ port: opts.port ?? 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    config,
    db,
    mail,
    database,
    logs,
    async close() {
      await app.close()
      await mail.close()
      if (!opts.keepDatabase) await database.drop()
    },
  }
}
