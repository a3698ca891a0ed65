import type { AddressInfo } from 'node:net'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import type { Config } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { createTestDatabase } from './database.ts'
import { startSmtpSink } from './smtp-sink.ts'
import type { SmtpSink } from './smtp-sink.ts'

export const TEST_SECRET_KEY = 'test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz'

export type TestServer = {
  base: string
  config: Readonly<Config>
  db: Db
  mail: SmtpSink
  close(): Promise<void>
}

/**
 * The real service on an ephemeral port, a database of its own, and a real SMTP sink. Argon2's cost is lowered
 * through configuration (never mocked) so the suite stays fast.
 */
export async function startServer(env: Record<string, string> = {}, opts: { smtpPort?: number } = {}): Promise<TestServer> {
  const database = await createTestDatabase()
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
    ...env,
  })
  const db = openDatabase(config.database)
  await migrateToLatest(db)
  const app = await buildApp(config, { db })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return {
    base: `http://127.0.0.1:${port}`,
    config,
    db,
    mail,
    async close() {
      await app.close()
      await mail.close()
      await database.drop()
    },
  }
}
