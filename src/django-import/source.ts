import { existsSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { ImportInputError } from './report.ts'

/** One row of a Django table, as the driver returns it (types differ between SQLite and PostgreSQL). */
export type SourceRow = Record<string, unknown>

/** Read-only access to the Django deployment's database: a SQLite file or a PostgreSQL server. */
export type DjangoSource = {
  description: string
  tableNames(): Promise<Set<string>>
  columnNames(table: string): Promise<Set<string>>
  /** Every row of `table` (only `columns`), ordered by id. Names come from the importer's own lists, never input. */
  rows(table: string, columns: readonly string[]): Promise<SourceRow[]>
  close(): Promise<void>
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`
const selectAll = (table: string, columns: readonly string[]): string =>
  `SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY "id"`

function openSqliteSource(file: string): DjangoSource {
  if (!existsSync(file)) throw new ImportInputError(`${file}: no such file.`)
  // Read-only: the import never changes the old deployment's database.
  const sqlite = new SQLite(file, { readonly: true, fileMustExist: true })
  const query = <T>(run: () => T): T => {
    try {
      return run()
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_NOTADB') throw new ImportInputError(`${file} is not a SQLite database.`)
      throw error
    }
  }
  return {
    description: file,
    async tableNames() {
      const rows = query(() => sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[])
      return new Set(rows.map((r) => r.name))
    },
    async columnNames(table) {
      const rows = query(() => sqlite.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[])
      return new Set(rows.map((r) => r.name))
    },
    async rows(table, columns) {
      return query(() => sqlite.prepare(selectAll(table, columns)).all() as SourceRow[])
    },
    async close() {
      sqlite.close()
    },
  }
}

async function openPostgresSource(url: string): Promise<DjangoSource> {
  const client = new pg.Client({ connectionString: url })
  try {
    await client.connect()
  } catch (error) {
    throw new ImportInputError(`Cannot connect to the Django database: ${(error as Error).message}`)
  }
  const redacted = url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')
  return {
    description: redacted,
    async tableNames() {
      const result = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      )
      return new Set(result.rows.map((r) => r.name))
    },
    async columnNames(table) {
      const result = await client.query<{ name: string }>(
        'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
        [table],
      )
      return new Set(result.rows.map((r) => r.name))
    },
    async rows(table, columns) {
      return (await client.query<SourceRow>(selectAll(table, columns))).rows
    },
    async close() {
      await client.end()
    },
  }
}

/** `postgres://` / `postgresql://` URLs name a PostgreSQL database; anything else is a SQLite file path. */
export async function openDjangoSource(from: string): Promise<DjangoSource> {
  if (/^postgres(ql)?:\/\//.test(from)) return openPostgresSource(from)
  return openSqliteSource(from.replace(/^sqlite:(\/\/)?/, ''))
}
