/** The source cannot be imported at all (missing file, not a Django database, unknown schema): nothing is written. */
export class ImportInputError extends Error {}

export const IMPORT_TABLES = ['universities', 'universitySettings', 'departments', 'users'] as const
export type ImportTable = (typeof IMPORT_TABLES)[number]

export type TableCounts = { imported: number; updated: number; unchanged: number; skipped: number }

/** A source row left out, and why (one per row, so the operator can fix the source and run again). */
export type SkippedRow = { table: ImportTable; id: number | string; reason: string }

/** A user of the target that stands in the way of a Django user: same email or username under another id, or
 * the same id held by a different person (neither email nor username in common). */
export type UserConflict = { djangoId: number; targetId: number; field: 'email' | 'username' | 'id'; value: string }

export type OnConflict = 'abort' | 'skip' | 'replace'

export type ImportReport = {
  source: string
  dryRun: boolean
  /** True when conflicts stopped the import before it wrote anything (--on-conflict abort). */
  refused: boolean
  counts: Record<ImportTable, TableCounts>
  skipped: SkippedRow[]
  conflicts: UserConflict[]
  /** Target users deleted to make room for Django users (--on-conflict replace). */
  replacedTargetUsers: number[]
  warnings: string[]
  durationMs: number
}

const LABELS: Record<ImportTable, string> = {
  universities: 'universities', universitySettings: 'university settings', departments: 'departments', users: 'users',
}

export function emptyCounts(): Record<ImportTable, TableCounts> {
  const zero = (): TableCounts => ({ imported: 0, updated: 0, unchanged: 0, skipped: 0 })
  return { universities: zero(), universitySettings: zero(), departments: zero(), users: zero() }
}

/** The summary printed at the end: counts per table, then every skipped row, conflict and warning. */
export function formatReport(report: ImportReport): string[] {
  const lines: string[] = []
  const verb = report.dryRun ? 'would be ' : ''
  if (report.refused) {
    lines.push(`Refused: ${report.conflicts.length} Django user(s) conflict with users already on this service; nothing was written.`)
    for (const c of report.conflicts) lines.push(`  conflict: ${describeConflict(c)}`)
    lines.push('Resolve them in either database, or run again with --on-conflict skip (keep the users here, skip the'
      + ' Django rows) or --on-conflict replace (delete the users here, import the Django rows).')
    return lines
  }
  lines.push(report.dryRun ? `Dry run of the import from ${report.source}: nothing was written.` : `Imported from ${report.source}.`)
  for (const table of IMPORT_TABLES) {
    const c = report.counts[table]
    lines.push(`  ${LABELS[table]}: ${c.imported} ${verb}imported, ${c.updated} ${verb}updated, ${c.unchanged} unchanged, ${c.skipped} skipped`)
  }
  if (report.replacedTargetUsers.length > 0) {
    lines.push(`  users deleted here to make room (--on-conflict replace): ${report.replacedTargetUsers.join(', ')}`)
  }
  for (const c of report.conflicts) lines.push(`  conflict (${report.replacedTargetUsers.length > 0 ? 'replaced' : 'skipped'}): ${describeConflict(c)}`)
  for (const s of report.skipped) lines.push(`  skipped ${LABELS[s.table]} id ${s.id}: ${s.reason}`)
  for (const w of report.warnings) lines.push(`  warning: ${w}`)
  const skipped = report.skipped.length > 0 ? ` ${report.skipped.length} row(s) skipped: fix them in the Django database and run the import again.` : ''
  lines.push(`Done in ${(report.durationMs / 1000).toFixed(1)} s.${skipped}`)
  return lines
}

function describeConflict(c: UserConflict): string {
  return c.field === 'id'
    ? `Django user ${c.djangoId} (${c.value}): id ${c.targetId} here belongs to a different user`
    : `Django user ${c.djangoId}: ${c.field} ${c.value} belongs to user ${c.targetId} here`
}
