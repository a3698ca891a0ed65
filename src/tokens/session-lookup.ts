import { createHash } from 'node:crypto'
import SQLite from 'better-sqlite3'
import { CamelCasePlugin } from 'kysely'
import type { CompiledQuery } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../config.ts'
import type { Db } from '../platform/db.ts'
import { toUser } from '../accounts/user.ts'
import type { User, UserRow } from '../accounts/user.ts'

/** A session and its user, as every authenticated request needs them. */
export type SessionWithUser = { user: User; revokedAt: number | null }

type Row = UserRow & { sessionRevokedAt: number | null }
/** Runs the one lookup query with a session id; the row with Kysely's camelCase keys. */
type Reader = { read(sessionId: string): Promise<Row | undefined>; stamp?: () => number; close(): Promise<void> }

const CACHE_SIZE = 5000

// Asked once per column name for the key Kysely's CamelCasePlugin (platform/db.ts) gives it.
const camelCase = new CamelCasePlugin()

async function camelKeysOf(query: CompiledQuery, columns: readonly string[]): Promise<string[]> {
  const { rows } = await camelCase.transformResult({ queryId: query.queryId, result: { rows: [Object.fromEntries(columns.map((c) => [c, null]))] } })
  const keys = Object.keys(rows[0] ?? {})
  if (keys.length !== columns.length) throw new Error(`the session lookup needs distinct column names: ${columns.join(', ')}`)
  return keys
}

function rowOf(keys: readonly string[], values: readonly unknown[]): Row {
  const row: Record<string, unknown> = {}
  for (let i = 0; i < keys.length; i++) row[keys[i] ?? ''] = values[i]
  return row as Row
}

/**
 * A read-only connection of its own: it sees exactly what is committed (WAL readers do not wait for the writer),
 * never the uncommitted rows of a transaction Kysely holds open on the writer between its awaits. Its
 * `PRAGMA data_version` moves whenever any other connection commits (this process, the CLI, another process on the
 * same file), in about 1.5 µs, against 7 µs for the lookup: the change stamp of the cache.
 */
function sqliteReader(file: string, query: CompiledQuery): Reader {
  const reader = new SQLite(file, { readonly: true })
  reader.pragma('busy_timeout = 5000')
  const version = reader.prepare('PRAGMA data_version').pluck()
  let statement: SQLite.Statement | undefined
  let keys: string[] = []
  return {
    async read(sessionId) {
      if (statement === undefined) {
        // Prepared at the first request, when the migrations have created the tables.
        statement = reader.prepare(query.sql).raw(true)
        keys = await camelKeysOf(query, statement.columns().map((column) => column.name))
      }
      const values = statement.get(sessionId) as unknown[] | undefined
      return values === undefined ? undefined : rowOf(keys, values)
    },
    stamp: () => version.get() as number,
    close: async () => { reader.close() },
  }
}

/** Named statements on a pool of its own: each connection parses and plans the lookup once (Kysely sends it unnamed). */
function postgresReader(url: string, query: CompiledQuery): Reader {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // As in platform/db.ts: an idle connection the server drops is an 'error' event, which must not crash the process.
  pool.on('error', () => {})
  const name = `q_${createHash('sha256').update(query.sql).digest('hex').slice(0, 24)}`
  let keys: string[] | undefined
  return {
    async read(sessionId) {
      const result = await pool.query<unknown[]>({ name, text: query.sql, values: [sessionId], rowMode: 'array' })
      keys ??= await camelKeysOf(query, result.fields.map((field) => field.name))
      const [values] = result.rows
      return values === undefined ? undefined : rowOf(keys, values)
    },
    close: () => pool.end(),
  }
}

/** An in-memory SQLite database has one connection, Kysely's: the lookup goes through it, uncached. */
function kyselyReader(db: Db, query: CompiledQuery<Row>): Reader {
  return {
    async read(sessionId) {
      return (await db.executeQuery<Row>({ ...query, parameters: [sessionId] })).rows[0]
    },
    close: async () => {},
  }
}

/**
 * The session and user of an access token, for every authenticated request: one indexed lookup, built and compiled
 * once (Kysely would build, transform and compile it anew each time, about 20 µs, more than the lookup), reading the
 * user row too: two queries per request would cost more than keeping the accounts feature's table to itself saves.
 * On a SQLite file, the answers of the last few thousand callers are kept while the change stamp stays put: any
 * commit by anyone empties the cache, so a cached answer is never older than the data, and every process on the same
 * file sees every revocation at once. PostgreSQL, which several instances share over the network, is read each time.
 *
 * Always a promise, even for a cached answer. The tree before this one answered a cached session synchronously
 * through six layers (MaybePromise twins); bench/micro/two-trees.ts, that tree (A) against this one (B) in one
 * process, SQLite, 10 connections, 5 interleaved rounds of 4 s on the shared 2-core machine, gave median req/s
 * `GET /api/users/me/` A 4738 / B 4772 (B/A 1.007), `POST /api/jwt/verify/` A 4547 / B 4385 (0.964), with rounds
 * spread from 1739 to 6452: no measurable gain, so no synchronous path.
 */
export function createSessionLookup(deps: { db: Db; database: DatabaseConfig }) {
  const { db, database } = deps
  const query = db.selectFrom('authSessions')
    .innerJoin('users', 'users.id', 'authSessions.userId')
    .selectAll('users')
    .select('authSessions.revokedAt as sessionRevokedAt')
    .where('authSessions.id', '=', '')
    .compile() as CompiledQuery<Row>
  const reader = database.kind === 'postgres' ? postgresReader(database.url, query)
    : database.file === ':memory:' ? kyselyReader(db, query) : sqliteReader(database.file, query)
  const { stamp } = reader
  const entries = new Map<string, SessionWithUser | null>()
  let stampOfEntries = Number.NaN

  async function read(sessionId: string): Promise<SessionWithUser | null> {
    const row = await reader.read(sessionId)
    if (row === undefined) return null
    const { sessionRevokedAt, ...user } = row
    // Frozen: one object serves many requests while cached, so none of them may change it for the others.
    return Object.freeze({ user: Object.freeze(toUser(user)), revokedAt: sessionRevokedAt })
  }

  return {
    /** The session (null when unknown) and its user. */
    async find(sessionId: string): Promise<SessionWithUser | null> {
      if (stamp === undefined) return read(sessionId)
      const now = stamp()
      if (now !== stampOfEntries) {
        entries.clear()
        stampOfEntries = now
      }
      const cached = entries.get(sessionId)
      if (cached !== undefined) return cached
      const session = await read(sessionId)
      // Filed only under the stamp it was read at: a commit during the read leaves it out.
      if (stamp() === now && stampOfEntries === now) {
        if (entries.size >= CACHE_SIZE) entries.delete(entries.keys().next().value ?? '')
        entries.set(sessionId, session)
      }
      return session
    },
    close: () => reader.close(),
  }
}

export type SessionLookup = ReturnType<typeof createSessionLookup>
