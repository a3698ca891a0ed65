import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { createAccountStore } from '../accounts/store.ts'
import { parseAuditQuery } from '../audit/schemas.ts'
import { toAuditEventJson } from '../audit/serialize.ts'
import type { AuditEventJson } from '../audit/serialize.ts'
import { createAuditStore } from '../audit/store.ts'
import { AppError } from '../platform/errors.ts'
import type { Db } from '../platform/db.ts'
import { CommandError, withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const AUDIT_USAGE = `Usage: npm run cli -- audit [--user EMAIL|ID] [--type T]... [--since ISO] [--until ISO] [--json]

  Prints the audit log (API.md §13), oldest first, as a table, or with --json as NDJSON (one event per line, the
  shape of GET /api/audit/) for export. It streams: memory stays the same however many events match.

  --user EMAIL|ID   events concerning this user (an email names a current account; an id also a deleted one)
  --type T          events of this type; repeat for several
  --since ISO       at or after this instant (ISO-8601, e.g. 2026-01-31T00:00Z; without an offset, UTC)
  --until ISO       at or before this instant`

const COLUMNS: [string, number][] = [['at', 24], ['type', 24], ['actor', 7], ['user', 7], ['univ', 6], ['ip', 16]]

function tableLine(event: AuditEventJson): string {
  const cells = [event.at, event.type, event.actor_id ?? '-', event.user_id ?? '-', event.university_id ?? '-', event.ip ?? '-']
  return `${cells.map((cell, i) => String(cell).padEnd(COLUMNS[i]?.[1] ?? 0)).join(' ')} ${JSON.stringify(event.data)}`
}

/** Writes a line, waiting while the pipe is full: a slow reader makes the export wait instead of filling memory. */
async function writeLine(line: string): Promise<void> {
  if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain')
}

async function userIdOf(db: Db, ref: string): Promise<string> {
  if (/^\d+$/.test(ref)) return ref
  const user = await createAccountStore(db).findByEmail(ref.trim())
  if (user === undefined) throw new CommandError(`No user with the email ${ref}: name a deleted user by id.`)
  return String(user.id)
}

/** The same checks and messages as the route's filters, said as the option they came from. */
function filtersOf(search: URLSearchParams) {
  try {
    return parseAuditQuery(search, { userFilter: true }).filters
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    const lines = Object.entries(error.body).map(([field, messages]) => `--${field === 'user_id' ? 'user' : field}: ${String(messages)}`)
    throw new CommandError(lines.join('\n'))
  }
}

/** `audit`: the log, printed or exported. Reads only, so it records nothing. */
export async function audit(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      user: { type: 'string' }, type: { type: 'string', multiple: true }, since: { type: 'string' }, until: { type: 'string' },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return out(AUDIT_USAGE)
  if (positionals.length > 0) throw new CommandError(AUDIT_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const search = new URLSearchParams()
    if (values.user !== undefined) search.set('user_id', await userIdOf(db, values.user))
    for (const type of values.type ?? []) search.append('type', type)
    if (values.since !== undefined) search.set('since', values.since)
    if (values.until !== undefined) search.set('until', values.until)
    const filters = filtersOf(search)
    if (!values.json) await writeLine(`${COLUMNS.map(([name, width]) => name.padEnd(width)).join(' ')} data`)
    for await (const row of createAuditStore(db).streamOldestFirst(filters)) {
      const event = toAuditEventJson(row)
      await writeLine(values.json ? JSON.stringify(event) : tableLine(event))
    }
  })
}
