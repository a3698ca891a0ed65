// `npm run bench:audit [-- --db postgres] [--events 1000000]`: the cost of a large audit log (API.md §13). Fills
// audit_events with N events shaped like a campus year (10,000 users, logins most of them, spread over 365 days),
// then prints the table's size with its indexes and the time of the first page of GET /api/audit/ for the §13
// filters, measured over HTTP against the service (buildApp) and at the store. Prints only; writes nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { AddressInfo } from 'node:net'
import SQLite from 'better-sqlite3'
import pg from 'pg'
import { sql } from 'kysely'
import { monotonicFactory } from 'ulid'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { createSiteAdmin } from '../src/accounts/site-admins.ts'
import { pooledRandom } from '../src/audit/record.ts'
import { createAuditService } from '../src/audit/service.ts'
import { createAuditStore } from '../src/audit/store.ts'
import type { AuditFilters } from '../src/audit/store.ts'
import { openDatabase } from '../src/platform/db.ts'
import type { Db } from '../src/platform/db.ts'
import { migrateToLatest } from '../src/platform/migrate.ts'
import { createPasswordHasher } from '../src/platform/password-hashing.ts'
import { createBenchDatabase } from './seed.ts'

const { values } = parseArgs({
  options: {
    'db': { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'events': { type: 'string', default: '1000000' },
    'samples': { type: 'string', default: '50' },
  },
})
const kind = values.db === 'postgres' ? 'postgres' : 'sqlite'
const EVENTS = Number(values.events)
const SAMPLES = Number(values.samples)
const USERS = 10_000
const DAY = 86_400_000
// A year of a campus: mostly logins and their failures, sessions ending, some account changes.
const MIX: [string, number][] = [['login.succeeded', 50], ['login.failed', 20], ['session.revoked', 15], ['password.reset_requested', 4],
  ['password.changed', 3], ['user.updated', 3], ['user.registered', 2], ['user.activated', 2], ['email.changed', 1]]
const WEIGHTS = MIX.flatMap(([type, weight]) => Array<string>(weight).fill(type))
const AGENTS = ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148', 'python-requests/2.32']

function dataOf(type: string, user: number): string {
  if (type === 'login.failed') return JSON.stringify({ reason: 'bad_credentials', email: `user${user}@example.edu`, method: 'password' })
  if (type === 'login.succeeded') return JSON.stringify({ method: 'password', amr: ['pwd'] })
  if (type === 'session.revoked') return JSON.stringify({ reason: 'logout', revoked_session_id: 'Q2xhc3NpY1Nlc3Npb25JZA' })
  return '{}'
}

type Row = [string, number, string, number | null, number, number, string, string, string, string]

/** The n-th event of the year: deterministic, so runs compare. */
function eventRow(nextId: () => string, n: number, at: number): Row {
  const user = 1 + ((n * 7919) % USERS)
  const type = WEIGHTS[(n * 31) % WEIGHTS.length] ?? 'login.succeeded'
  return [nextId(), at, type, type === 'login.failed' ? null : user, user, 1 + (user % 40), `198.51.${(user >> 8) & 255}.${user & 255}`,
    AGENTS[n % AGENTS.length] ?? '', 'U2Vzc2lvbklkT2ZUaGlzTG9naW4', dataOf(type, user)]
}

const COLUMNS = 'id, at, type, actor_id, user_id, university_id, ip, user_agent, session_id, data'

/**
 * Filled through the drivers, not Kysely: a million rows through the query builder take minutes on a loaded 2-core
 * machine, and what is measured here is the table and its reads, not the insert path (the service writes one row per
 * change, in the change's transaction; its cost is in `npm run bench`'s jwt/create).
 */
async function fill(): Promise<number> {
  const nextIdAt = monotonicFactory(pooledRandom())
  const start = Date.now() - 365 * DAY
  const step = (365 * DAY) / EVENTS
  const began = performance.now()
  if (kind === 'sqlite') {
    const sqlite = new SQLite(database.url)
    const insert = sqlite.prepare(`INSERT INTO audit_events (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const insertMany = sqlite.transaction((from: number, to: number) => {
      for (let n = from; n < to; n++) {
        const at = Math.floor(start + n * step)
        insert.run(...eventRow(() => nextIdAt(at), n, at))
      }
    })
    for (let n = 0; n < EVENTS; n += 100_000) insertMany(n, Math.min(EVENTS, n + 100_000))
    sqlite.exec('ANALYZE')
    sqlite.close()
  } else {
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const types = ['text', 'int8', 'text', 'int4', 'int4', 'int4', 'text', 'text', 'text', 'text']
    for (let n = 0; n < EVENTS; n += 20_000) {
      const rows = Array.from({ length: Math.min(20_000, EVENTS - n) }, (_, i) => {
        const at = Math.floor(start + (n + i) * step)
        return eventRow(() => nextIdAt(at), n + i, at)
      })
      const columns = types.map((_, c) => rows.map((r) => r[c] ?? null))
      await client.query(`INSERT INTO audit_events (${COLUMNS}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`, columns)
    }
    await client.query('ANALYZE audit_events')
    await client.end()
  }
  return performance.now() - began
}

async function tableSize(db: Db, file: string): Promise<string> {
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`
  if (kind === 'postgres') {
    const { rows } = await sql<{ heap: string; indexes: string; total: string }>`SELECT pg_relation_size('audit_events') AS heap,
      pg_indexes_size('audit_events') AS indexes, pg_total_relation_size('audit_events') AS total`.execute(db)
    const [r] = rows
    return `table ${mib(Number(r?.heap))} + indexes ${mib(Number(r?.indexes))} = ${mib(Number(r?.total))} (pg_total_relation_size, with TOAST)`
  }
  const { rows } = await sql<{ name: string; bytes: number }>`SELECT name, SUM(pgsize) AS bytes FROM dbstat
    WHERE name = 'audit_events' OR name LIKE 'audit_events_%' OR name = 'sqlite_autoindex_audit_events_1' GROUP BY name`.execute(db)
  const total = rows.reduce((sum, r) => sum + Number(r.bytes), 0)
  const parts = rows.map((r) => `${r.name} ${mib(Number(r.bytes))}`).join(', ')
  return `${parts}; total ${mib(total)} (dbstat; the whole file ${file})`
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

async function timeIt(run: () => Promise<unknown>): Promise<string> {
  for (let i = 0; i < 5; i++) await run()
  const times: number[] = []
  for (let i = 0; i < SAMPLES; i++) {
    const began = performance.now()
    await run()
    times.push(performance.now() - began)
  }
  times.sort((a, b) => a - b)
  return `median ${percentile(times, 0.5).toFixed(2)} ms, p95 ${percentile(times, 0.95).toFixed(2)} ms, max ${(times.at(-1) ?? NaN).toFixed(2)} ms`
}

const dataDir = mkdtempSync(join(tmpdir(), 'unilink-bench-audit-'))
const database = await createBenchDatabase(kind, dataDir, values['pg-url'])
try {
  const db = openDatabase(kind === 'postgres' ? { kind, url: database.url } : { kind, file: database.url })
  await migrateToLatest(db)
  process.stdout.write(`${database.label}: filling audit_events with ${EVENTS.toLocaleString('en')} events...\n`)
  const fillMs = await fill()
  process.stdout.write(`filled in ${(fillMs / 1000).toFixed(1)} s (${Math.round(EVENTS / (fillMs / 1000)).toLocaleString('en')} events/s in batches)\n`)
  const fileSize = kind === 'sqlite' ? `${((await import('node:fs')).statSync(database.url).size / 1024 / 1024).toFixed(1)} MiB` : ''
  process.stdout.write(`size: ${await tableSize(db, fileSize)}\n`)

  const day = Date.now() - 100 * DAY
  const filters: [string, AuditFilters, string][] = [
    ['no filter (newest first)', {}, ''],
    ['user_id', { userId: 4242 }, 'user_id=4242'],
    ['user_id + type', { userId: 4242, types: ['login.failed'] }, 'user_id=4242&type=login.failed'],
    ['type (rare: email.changed)', { types: ['email.changed'] }, 'type=email.changed'],
    ['two types', { types: ['password.changed', 'password.reset_requested'] }, 'type=password.changed&type=password.reset_requested'],
    ['since/until: one day', { since: day, until: day + DAY }, `since=${new Date(day).toISOString()}&until=${new Date(day + DAY).toISOString()}`],
    ['type + since/until', { types: ['login.failed'], since: day, until: day + DAY },
      `type=login.failed&since=${new Date(day).toISOString()}&until=${new Date(day + DAY).toISOString()}`],
  ]
  const service = createAuditService({ store: createAuditStore(db), retentionDays: 365 })
  const config = loadConfig({
    SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz', DATA_DIR: dataDir, DATABASE_URL: database.url,
    ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1', RATE_LIMIT: 'off', LOG_LEVEL: 'silent', EMAIL_BACKEND: 'console', AUDIT_RETENTION_DAYS: '3650',
  })
  await createSiteAdmin(db, createPasswordHasher(config.passwordHashing), {
    email: 'bench-admin@example.edu', username: 'benchadmin', firstName: 'B', lastName: 'A', password: 'Bench-Admin-Pass-9',
  })
  const app = await buildApp(config, { db: openDatabase(config.database) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const login = await fetch(`${base}/api/jwt/create/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'bench-admin@example.edu', password: 'Bench-Admin-Pass-9' }),
  })
  const { access } = await login.json() as { access: string }
  process.stdout.write(`first page (50 events) of GET /api/audit/, ${SAMPLES} samples after 5 warm-ups:\n`)
  for (const [label, filter, query] of filters) {
    const store = await timeIt(() => service.listEvents(filter, undefined))
    const http = await timeIt(async () => {
      const res = await fetch(`${base}/api/audit/?${query}`, { headers: { authorization: `Bearer ${access}` } })
      if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`)
      await res.arrayBuffer()
    })
    process.stdout.write(`  ${label.padEnd(28)} HTTP ${http}\n  ${''.padEnd(28)} store ${store}\n`)
  }
  await app.close()
  await db.destroy()
} finally {
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
