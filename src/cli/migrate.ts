import { loadConfig, readEnvironment } from '../config.ts'
import { openDatabase } from '../platform/db.ts'
import { migrateToLatest } from '../platform/migrate.ts'
import { runCommand } from './run-command.ts'

/** `npm run migrate`: applies pending migrations to the configured database. */
await runCommand(async (out) => {
  const config = loadConfig(readEnvironment())
  const db = openDatabase(config.database)
  try {
    const applied = await migrateToLatest(db)
    out(applied.length === 0 ? 'No migrations to apply; the schema is current.' : applied.map((m) => `Applied ${m.migrationName}`).join('\n'))
  } finally {
    await db.destroy()
  }
})
