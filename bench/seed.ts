// The benchmark's database (a temp SQLite file, or a fresh PostgreSQL database), migrated and seeded through the
// service's own code: its migrations, its password hasher at the configured cost, its table types.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { Argon2Cost } from '../src/platform/password-hashing.ts'
import { createPasswordHasher } from '../src/platform/password-hashing.ts'
import { openDatabase } from '../src/platform/db.ts'
import { migrateToLatest } from '../src/platform/migrate.ts'
import { USER_TYPE } from '../src/accounts/user.ts'

export const BENCH_PASSWORD = 'Quiet-harbour-lantern-42'

export type BenchDatabase = { url: string; label: string; drop(): Promise<void> }

/** SQLite in `dataDir`, or a new `accounts_bench_<random>` database on the PostgreSQL server `pgUrl` names. */
export async function createBenchDatabase(kind: 'sqlite' | 'postgres', dataDir: string, pgUrl: string): Promise<BenchDatabase> {
  if (kind === 'sqlite') return { url: join(dataDir, 'bench.sqlite3'), label: 'SQLite (WAL)', drop: async () => {} }
  const name = `accounts_bench_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: pgUrl })
  await admin.connect()
  const { rows } = await admin.query<{ server_version: string }>('SHOW server_version')
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(pgUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    label: `PostgreSQL ${rows[0]?.server_version ?? ''}`.trim(),
    async drop() {
      const client = new pg.Client({ connectionString: pgUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** The median of the samples, and the fastest (the cost with nothing else running on the machine). */
export type HashTiming = { hashMs: number; verifyMs: number; hashMinMs: number; verifyMinMs: number; samples: number }

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

/**
 * One argon2id hash and one verification at `cost`, one at a time (a single thread), `samples` of each after a
 * warm-up. Run in a process with the service's threadpool size (see hashTimingInChild): a thread's first hash also
 * pays the page faults of its fresh memory, which the service's few, reused threads do not.
 */
export async function timeHashing(cost: Argon2Cost, samples = 15): Promise<HashTiming & { encoded: string }> {
  const hasher = createPasswordHasher(cost)
  const encoded = await hasher.hash(BENCH_PASSWORD)
  for (let i = 0; i < 4; i++) await hasher.verify(BENCH_PASSWORD, encoded)
  const hashes: number[] = []
  const verifies: number[] = []
  for (let i = 0; i < samples; i++) {
    let started = performance.now()
    await hasher.hash(BENCH_PASSWORD)
    hashes.push(performance.now() - started)
    started = performance.now()
    await hasher.verify(BENCH_PASSWORD, encoded)
    verifies.push(performance.now() - started)
  }
  const round = (ms: number) => Math.round(ms * 10) / 10
  return {
    hashMs: round(median(hashes)), verifyMs: round(median(verifies)),
    hashMinMs: round(Math.min(...hashes)), verifyMinMs: round(Math.min(...verifies)), samples, encoded,
  }
}

export const benchEmail = (i: number) => `bench-user-${i}@example.com`

/**
 * Migrates the database and inserts `count` active students. They share one argon2id hash of BENCH_PASSWORD made by
 * the service's hasher (hashing each apart would take count × one hash time and measure nothing more).
 */
export async function seedUsers(url: string, count: number, encodedPassword: string): Promise<void> {
  const db = openDatabase(url.startsWith('postgres') ? { kind: 'postgres', url } : { kind: 'sqlite', file: url })
  try {
    await migrateToLatest(db)
    const now = Date.now()
    for (let first = 0; first < count; first += 500) {
      const rows = Array.from({ length: Math.min(500, count - first) }, (_, k) => {
        const i = first + k
        return {
          email: benchEmail(i), username: `bench${i}`, firstName: 'Bench', lastName: `User ${i}`, password: encodedPassword,
          universityId: null, departmentId: null, userType: USER_TYPE.STUDENT, isActive: 1 as const, isStaff: 0 as const,
          isSuperuser: 0 as const, dateJoined: now, lastLogin: null, profilePicture: null, tokensValidAfter: 0,
        }
      })
      await db.insertInto('users').values(rows).execute()
    }
  } finally {
    await db.destroy()
  }
}

/** timeHashing in a child process whose libuv threadpool has the service's size. */
export function hashTimingInChild(cost: Argon2Cost, threadpoolSize: string): HashTiming & { encoded: string } {
  const script = `import { timeHashing } from ${JSON.stringify(import.meta.url)}; process.stdout.write(JSON.stringify(await `
    + `timeHashing(${JSON.stringify(cost)})))`
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), env: { ...process.env, UV_THREADPOOL_SIZE: threadpoolSize }, encoding: 'utf8',
  })
  return JSON.parse(output) as HashTiming & { encoded: string }
}
