import { loadConfig, readEnvironment } from '../config.ts'
import { migrateToLatest } from '../platform/migrate.ts'
import { withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const MIGRATE_USAGE = `Usage: npm run cli -- migrate   (or: npm run migrate)

Applies the pending migrations (migrations/NNNN_*.ts) to the database named by DATABASE_URL.`

/** `migrate`: applies pending migrations to the configured database. */
export async function migrate(args: string[], out: Out): Promise<void> {
  if (args.includes('--help')) return out(MIGRATE_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const applied = await migrateToLatest(db)
    out(applied.length === 0 ? 'No migrations to apply; the schema is current.' : applied.map((m) => `Applied ${m.migrationName}`).join('\n'))
  })
}
