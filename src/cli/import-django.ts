import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { createProgressPrinter } from '../django-import/progress.ts'
import { formatReport, ImportInputError } from '../django-import/report.ts'
import type { OnConflict } from '../django-import/report.ts'
import { createDjangoImport } from '../django-import/service.ts'
import { openDjangoSource } from '../django-import/source.ts'
import { openDatabase } from '../platform/db.ts'
import { migrateToLatest, pendingMigrations } from '../platform/migrate.ts'
import { createPasswordHasher } from '../platform/password-hashing.ts'
import { CommandError, runCommand } from './run-command.ts'

const USAGE = `Usage: npm run import-django -- --from <django.sqlite3 | postgres://user@host/db> [--dry-run] [--on-conflict abort|skip|replace]

Copies universities (with their settings), departments and users of the UniLink Django backend into the database
named by DATABASE_URL (migrated first), keeping ids and password hashes. Safe to run again: it updates what changed.
  --dry-run       report what would be imported, write nothing
  --on-conflict   what to do with Django users whose email or username belongs to another user here:
                  abort (default: write nothing), skip (keep the user here), replace (delete the user here)
Exit status: 0 all imported, 1 some rows skipped (or a failure), 2 nothing written (refused or unreadable source).`

const CONFLICT_MODES: readonly OnConflict[] = ['abort', 'skip', 'replace']

/** `npm run import-django`: the switch-over from the Django deployment (README: "Moving from the Django backend"). */
await runCommand(async (out) => {
  const { values } = parseArgs({
    options: {
      from: { type: 'string' }, 'dry-run': { type: 'boolean', default: false },
      'on-conflict': { type: 'string', default: 'abort' }, help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return out(USAGE)
  const onConflict = values['on-conflict'] as OnConflict
  if (!values.from || !CONFLICT_MODES.includes(onConflict)) throw new CommandError(USAGE)
  const dryRun = values['dry-run']
  const config = loadConfig(readEnvironment())
  const db = openDatabase(config.database)
  try {
    if (dryRun) {
      if ((await pendingMigrations(db)).length > 0) out('Note: the target database is not fully migrated; a real run migrates it first.')
    } else {
      await migrateToLatest(db)
    }
    const source = await openDjangoSource(values.from)
    try {
      const hasher = createPasswordHasher(config.passwordHashing)
      const importer = createDjangoImport({ db, isCurrentHash: (encoded) => !hasher.needsRehash(encoded) })
      const report = await importer.run(source, { dryRun, onConflict, onProgress: createProgressPrinter(process.stderr) })
      for (const line of formatReport(report)) out(line)
      if (report.refused) process.exitCode = 2
      else if (report.skipped.length > 0) process.exitCode = 1
    } finally {
      await source.close()
    }
  } catch (error) {
    if (!(error instanceof ImportInputError)) throw error
    process.stderr.write(`Nothing imported: ${error.message}\n`)
    process.exitCode = 2
  } finally {
    await db.destroy()
  }
})
