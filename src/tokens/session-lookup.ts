import { performance } from 'node:perf_hooks'
import SQLite from 'better-sqlite3'
import { CamelCasePlugin, sql } from 'kysely'
import type { CompiledQuery } from 'kysely'
import type { DatabaseConfig, RevocationConfig } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { CommitObserver } from '../platform/commit-observer.ts'
import { toUser } from '../accounts/user.ts'
import type { User, UserRow } from '../accounts/user.ts'
import { createRevocationFeed, postgresTransport, redisTransport } from './revocation-feed.ts'
import type { FeedStats, Invalidation, RevocationFeed } from './revocation-feed.ts'

/** A session and its user, as every authenticated request needs them. */
export type SessionWithUser = { user: User; revokedAt: number | null }

type Row = UserRow & { sessionRevokedAt: number | null }
/** Runs the one lookup query with a session id; the row with Kysely's camelCase keys. */
type Reader = { read(sessionId: string): Promise<Row | undefined>; close(): Promise<void> }
type Entry = { session: SessionWithUser | null; expiresAt: number }

const CACHE_SIZE = 5000
/** However sure the cache is of its sources, an answer is read afresh at least this often. */
const ENTRY_TTL_MS = 30_000

// Asked once per column name for the key Kysely's CamelCasePlugin (platform/db.ts) gives it.
const camelCase = new CamelCasePlugin()

async function camelKeysOf(query: CompiledQuery, columns: readonly string[]): Promise<string[]> {
  const { rows } = await camelCase.transformResult({ queryId: query.queryId, result: { rows: [Object.fromEntries(columns.map((c) => [c, null]))] } })
  const keys = Object.keys(rows[0] ?? {})
  if (keys.length !== columns.length) throw new Error(`the session lookup needs distinct column names: ${columns.join(', ')}`)
  return keys
}

/**
 * A read-only connection of its own: it sees exactly what is committed (WAL readers do not wait for the writer),
 * never the uncommitted rows of a transaction Kysely holds open on the writer between its awaits. Its
 * `PRAGMA data_version` moves whenever any other connection commits (this process, the CLI, another process on the
 * same file), in about 1.5 µs, against 7 µs for the lookup: the change stamp of the cache.
 */
function sqliteReader(file: string, query: CompiledQuery): Reader & { stamp: () => number } {
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
      if (values === undefined) return undefined
      const row: Record<string, unknown> = {}
      for (let i = 0; i < keys.length; i++) row[keys[i] ?? ''] = values[i]
      return row as Row
    },
    stamp: () => version.get() as number,
    close: async () => { reader.close() },
  }
}

/**
 * Through the service's own pool (PostgreSQL), or its one connection (in-memory SQLite). The tree before this one
 * kept a second pool of 10 for named (once-planned) statements, when every request read PostgreSQL; with the cache,
 * only misses read, and one pool per instance (plus its listener) is what PostgreSQL has to hold.
 */
function kyselyReader(db: Db, query: CompiledQuery<Row>): Reader {
  return {
    async read(sessionId) {
      return (await db.executeQuery<Row>({ ...query, parameters: [sessionId] })).rows[0]
    },
    close: async () => {},
  }
}

/** The feed of committed changes on PostgreSQL: its LISTEN channel, or Redis pub/sub (config.ts says when). */
function feedFor(db: Db, database: DatabaseConfig & { kind: 'postgres' }, revocation: RevocationConfig, events: Parameters<typeof createRevocationFeed>[1],
  log: (message: string) => void): RevocationFeed {
  const transport = revocation.channel.kind === 'redis'
    ? redisTransport(revocation.channel.url, revocation.channel.keyPrefix)
    : postgresTransport(revocation.listenUrl ?? database.url, async (channel, payload) => { await sql`SELECT pg_notify(${channel}, ${payload})`.execute(db) })
  return createRevocationFeed(transport, events, revocation, log)
}

/**
 * The session and user of an access token, for every authenticated request: one indexed lookup, built and compiled
 * once (Kysely would build, transform and compile it anew each time, about 20 µs, more than the lookup), reading the
 * user row too: two queries per request would cost more than keeping the accounts feature's table to itself saves.
 * The answers of the last few thousand callers are kept, and a request costs no database round trip while nothing
 * they depend on changed. Why a kept answer is never older than API.md §16 allows:
 *
 * SQLite file. Every commit by anyone moves the reader's `PRAGMA data_version`; a move empties the cache, and an
 * answer is filed only under the stamp it was read at (a commit during the read leaves it out). Every process on
 * the same file sees every revocation at once.
 *
 * PostgreSQL (several instances). Migration 0006's triggers queue `s:<session>` / `u:<user>` in the very transaction
 * that revokes (logout, logout/all, session delete, password or email change, deactivation, deletion, reuse
 * detection, the CLI, psql...), so the notice exists iff the change committed, and leaves after the commit. Each
 * instance LISTENs on one connection of its own (feed: revocation-feed.ts). On arrival a notice deletes what it
 * touches and bumps `generation`. A read files its answer only if `generation` has not moved since the read began.
 * Take a change C committed at time c, and a read R of the same session:
 * - R's snapshot is after c: R saw C. Nothing stale.
 * - R's snapshot is before c, so R may have read the old facts. C's notice is sent after c; if it arrives while R is
 *   in flight, the generation moved and R files nothing; if it arrives after R filed its answer, it deletes it. It
 *   cannot arrive before R began, since R began before c. So a stale answer lives at most until C's notice arrives.
 * - The notice never arrives (listener lost): on 'error'/'end' the feed resets (cache emptied, generation bumped) and
 *   the cache is bypassed (`trusted()` false: every request reads, nothing is filed) until a new LISTEN stands; then
 *   the cache is emptied again, and reads begun before that file nothing (generation). What was committed while no
 *   one listened is read afresh.
 * - The listener is silently dead (a cut network that sends no reset): every `heartbeatMs` the instance NOTIFYs a
 *   heartbeat carrying its send time, on the same channel. PostgreSQL delivers notices in commit order, so when a
 *   heartbeat sent at h comes back, every change committed before h has come back before it. The cache is trusted
 *   only while the newest heartbeat back was sent less than `maxLagMs` (1 s) ago: a change committed at c is honoured
 *   by c + maxLagMs whatever happened to the listener. Silent for twice that, the connection is dropped and reopened.
 * - Anything else (a clock, a bug, a writer on Redis that died between commit and publish): entries expire after 30 s.
 * Redis as the channel: the same argument, with PUBLISH after commit (platform/db.ts's commit observer) in place of
 * the triggers: a process that dies between commit and publish, or a writer that is not this service, relies on the
 * 30 s expiry; hence PostgreSQL is the primary channel (config.ts).
 *
 * Always a promise, even for a cached answer. The tree before this one answered a cached session synchronously
 * through six layers (MaybePromise twins); bench/micro/two-trees.ts, that tree (A) against this one (B) in one
 * process, SQLite, 10 connections, 5 interleaved rounds of 4 s on the shared 2-core machine, gave median req/s
 * `GET /api/users/me/` A 4738 / B 4772 (B/A 1.007), `POST /api/jwt/verify/` A 4547 / B 4385 (0.964), with rounds
 * spread from 1739 to 6452: no measurable gain, so no synchronous path.
 */
export function createSessionLookup(deps: {
  db: Db; database: DatabaseConfig; revocation: RevocationConfig; log: (message: string) => void
  /** This process's own commits (PostgreSQL): its cache forgets them before the answer leaves, not when the notice is back. */
  commits?: CommitObserver
  /** Milliseconds, for the expiry of entries only (a monotonic clock by default; tests pass theirs). */
  clock?: () => number
}) {
  const { db, database } = deps
  const clock = deps.clock ?? (() => performance.now())
  const query = db.selectFrom('authSessions')
    .innerJoin('users', 'users.id', 'authSessions.userId')
    .selectAll('users')
    .select('authSessions.revokedAt as sessionRevokedAt')
    .where('authSessions.id', '=', '')
    .compile() as CompiledQuery<Row>
  const entries = new Map<string, Entry>()
  let generation = 0
  const counts = { hits: 0, misses: 0 }

  function invalidate(change: Invalidation): void {
    generation++
    if (change.kind === 'session') entries.delete(change.id)
    else if (change.kind === 'all') entries.clear()
    else for (const [id, entry] of entries) if (entry.session?.user.id === change.id) entries.delete(id)
  }
  const events = { invalidate, reset: () => invalidate({ kind: 'all' }) }

  const sqlite = database.kind === 'sqlite' && database.file !== ':memory:' ? sqliteReader(database.file, query) : undefined
  const reader = sqlite ?? kyselyReader(db, query)
  const feed = database.kind === 'postgres' ? feedFor(db, database, deps.revocation, events, deps.log) : undefined
  deps.commits?.listen(() => {
    invalidate({ kind: 'all' })
    if (deps.revocation.channel.kind === 'redis') feed?.announce({ kind: 'all' }).catch(() => deps.log('publishing a revocation on Redis failed'))
  })
  let stampOfEntries = Number.NaN
  /** Whether answers may be served from and filed in the cache right now. */
  const trusted: () => boolean = feed !== undefined ? feed.trusted : sqlite !== undefined ? () => {
    const stamp = sqlite.stamp()
    if (stamp !== stampOfEntries) {
      invalidate({ kind: 'all' })
      stampOfEntries = stamp
    }
    return true
  } : () => false

  async function read(sessionId: string): Promise<SessionWithUser | null> {
    counts.misses++
    const row = await reader.read(sessionId)
    if (row === undefined) return null
    const { sessionRevokedAt, ...user } = row
    // Frozen: one object serves many requests while cached, so none of them may change it for the others.
    return Object.freeze({ user: Object.freeze(toUser(user)), revokedAt: sessionRevokedAt })
  }

  return {
    /** The session (null when unknown) and its user. */
    async find(sessionId: string): Promise<SessionWithUser | null> {
      if (!trusted()) {
        if (entries.size > 0) invalidate({ kind: 'all' })
        return read(sessionId)
      }
      const now = clock()
      const cached = entries.get(sessionId)
      if (cached !== undefined && cached.expiresAt > now) {
        counts.hits++
        return cached.session
      }
      const began = generation
      const session = await read(sessionId)
      // Filed only if nothing was invalidated while it was read (the header's argument), and the source still trusted
      // (on SQLite trusted() itself invalidates when the stamp moved: hence the second look at the generation).
      if (generation === began && trusted() && generation === began) {
        if (entries.size >= CACHE_SIZE && !entries.has(sessionId)) entries.delete(entries.keys().next().value ?? '')
        entries.set(sessionId, { session, expiresAt: now + ENTRY_TTL_MS })
      }
      return session
    },
    /** Subscribes (PostgreSQL): resolves once the listener stands, or has failed its first try (it keeps trying). */
    start: async (): Promise<void> => { await feed?.start() },
    stats: (): { hits: number; misses: number } & Partial<FeedStats> => ({ ...counts, ...feed?.stats() }),
    async close(): Promise<void> {
      await feed?.close()
      await reader.close()
    },
  }
}

export type SessionLookup = ReturnType<typeof createSessionLookup>
