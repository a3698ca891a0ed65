import closeWithGrace from 'close-with-grace'
import pino from 'pino'
import { buildApp } from './app.ts'
import { loadConfig, readEnvironment } from './config.ts'
import { ConfigError } from './platform/env-parsers.ts'
import { openDatabase } from './platform/db.ts'
import { migrateToLatest } from './platform/migrate.ts'
import { loggerOptions } from './platform/logger.ts'

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig(readEnvironment())
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`)
      process.exit(2)
    }
    throw error
  }
  // Pretty logs on a terminal, JSON lines otherwise; console mail follows suit (printed, or one log record).
  const pretty = process.stdout.isTTY
  const logger = pino(loggerOptions(config, pretty))
  for (const warning of config.warnings) logger.warn(warning)

  const db = openDatabase(config.database)
  // The embedded default migrates on start, so `npm start` works on a fresh machine; `npm run migrate` does the same.
  const applied = await migrateToLatest(db)
  for (const m of applied) logger.info({ migration: m.migrationName }, 'migration applied')

  const app = await buildApp(config, { logger, db, ...(pretty ? { printMail: (text: string) => process.stdout.write(text) } : {}) })
  closeWithGrace({ delay: 10_000, logger }, async ({ err, signal }) => {
    if (err) logger.error({ err }, 'shutting down after an error')
    const startedAt = Date.now()
    await app.close()
    logger.info({ signal, durationMs: Date.now() - startedAt }, 'service stopped')
  })
  await app.listen({ host: config.host, port: config.port })
}

main().catch((error: unknown) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? error.message : String(error)}\n`)
  if (error instanceof Error && error.cause) process.stderr.write(`  cause: ${describe(error.cause)}\n`)
  process.exit(1)
})

function describe(value: unknown): string {
  return value instanceof Error ? value.message : JSON.stringify(value) ?? 'unknown'
}
