import type { Db } from '../platform/db.ts'
import { planImport } from './plan.ts'
import type { ImportPlan } from './plan.ts'
import type { ImportReport, ImportTable, OnConflict } from './report.ts'
import { DJANGO_TABLES, inspectDjangoSchema } from './schema.ts'
import type { DjangoSource } from './source.ts'
import { createImportStore } from './store.ts'
import { validateSource } from './validate.ts'

// Rows per transaction: large enough to load 100,000 users in seconds, small enough that a failure rolls back
// one batch only and the progress bar moves; a second run picks up where a failed one stopped (it is idempotent).
const ROWS_PER_TRANSACTION = 2000

/** Told how far the writing is, table by table (the CLI draws a progress bar or prints log lines). */
export type ImportProgress = (table: ImportTable | 'universityAdmins', done: number, total: number) => void

export type ImportOptions = {
  dryRun: boolean
  onConflict: OnConflict
  onProgress?: ImportProgress
}

export function createDjangoImport(deps: {
  db: Db
  /** The password hasher's needsRehash, negated: hashes this service wrote are never overwritten by Django's. */
  isCurrentHash: (encoded: string) => boolean
}) {
  const { db } = deps
  const store = createImportStore(db)

  async function inBatches<T>(table: ImportTable, rows: readonly T[], write: (trx: Db, batch: T[]) => Promise<void>, progress: ImportProgress): Promise<void> {
    progress(table, 0, rows.length)
    for (let i = 0; i < rows.length; i += ROWS_PER_TRANSACTION) {
      const batch = rows.slice(i, i + ROWS_PER_TRANSACTION)
      try {
        await db.transaction().execute((trx) => write(trx, batch))
      } catch (error) {
        throw new Error(`Writing ${table} rows ${i + 1}-${i + batch.length} of ${rows.length} failed; that batch was rolled back`, { cause: error })
      }
      progress(table, i + batch.length, rows.length)
    }
  }

  /** Referenced rows first (universities, departments), then users, then the admin links that point back. */
  async function write(plan: ImportPlan, progress: ImportProgress, now: number): Promise<void> {
    if (plan.deleteUsers.length > 0) await db.transaction().execute((trx) => store.deleteUsers(trx, plan.deleteUsers))
    await inBatches('universities', plan.universities, store.upsertUniversities, progress)
    await inBatches('universitySettings', plan.settings, store.upsertSettings, progress)
    await inBatches('departments', plan.departments, store.upsertDepartments, progress)
    await inBatches('users', plan.users, (trx, batch) => store.upsertUsers(trx, batch, now), progress)
    progress('universityAdmins', 0, plan.admins.length)
    await db.transaction().execute((trx) => store.setUniversityAdmins(trx, plan.admins))
    progress('universityAdmins', plan.admins.length, plan.admins.length)
    await store.moveIdSequencesPastImportedIds()
  }

  return {
    /**
     * Reads the whole Django database, checks it, compares it with the target, and (unless refused or a dry run)
     * writes the difference. Throws ImportInputError when the source cannot be imported at all.
     */
    async run(source: DjangoSource, opts: ImportOptions): Promise<ImportReport> {
      const started = Date.now()
      const layout = await inspectDjangoSchema(source)
      const read = (table: keyof typeof DJANGO_TABLES) =>
        layout.columns[table].length === 0 ? Promise.resolve([]) : source.rows(DJANGO_TABLES[table].table, layout.columns[table])
      const valid = validateSource({
        universities: await read('universities'), settings: await read('settings'),
        departments: await read('departments'), users: await read('users'),
      })
      const plan = planImport(valid, await store.loadSnapshot(), { onConflict: opts.onConflict, isCurrentHash: deps.isCurrentHash, now: started })
      if (!plan.refused && !opts.dryRun) await write(plan, opts.onProgress ?? (() => undefined), started)
      return {
        source: source.description,
        dryRun: opts.dryRun,
        refused: plan.refused,
        counts: plan.counts,
        skipped: plan.skipped,
        conflicts: plan.conflicts,
        replacedTargetUsers: plan.refused ? [] : plan.deleteUsers,
        warnings: [...layout.warnings, ...plan.warnings],
        durationMs: Date.now() - started,
      }
    },
  }
}

export type DjangoImport = ReturnType<typeof createDjangoImport>
