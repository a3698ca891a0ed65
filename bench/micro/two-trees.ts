// A/B micro-benchmark of two source trees of the service in one process: each tree's own buildApp on its own SQLite
// file, started side by side, then autocannon (bench/load.ts) against one and the other in turn, several rounds, so
// drift of the machine (other processes on the 2 shared cores) falls on both alike. Not `npm run bench`: a quick
// relative figure for one change, e.g. a fast path kept or dropped.
//   npx tsx bench/micro/two-trees.ts --a /tmp/tree-before --b . [--rounds 5] [--duration 5] [--connections 10]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { runPhase } from '../load.ts'
import type * as App from '../../src/app.ts'
import type * as ConfigModule from '../../src/config.ts'
import type * as DbModule from '../../src/platform/db.ts'
import type * as MigrateModule from '../../src/platform/migrate.ts'
import type * as HashingModule from '../../src/platform/password-hashing.ts'
import type * as SiteAdmins from '../../src/accounts/site-admins.ts'

const { values } = parseArgs({
  options: {
    a: { type: 'string' }, b: { type: 'string' }, rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '10' },
  },
})
if (values.a === undefined || values.b === undefined) throw new Error('--a TREE --b TREE')

const PASSWORD = 'Quiet-harbour-lantern-42'
const env = (dir: string) => ({
  SECRET_KEY: 'micro-benchmark-secret-key-0123456789-abcdefghijklmnop', DATABASE_URL: join(dir, 'db.sqlite3'), DATA_DIR: dir,
  RATE_LIMIT: 'off', LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1', NODE_ENV: 'production',
})

type Started = { name: string; base: string; access: string; app: FastifyInstance }

/** One tree's service on a fresh database with one site admin, signed in. */
async function start(name: string, root: string, dir: string): Promise<Started> {
  const src = (path: string) => resolve(root, 'src', path)
  const { buildApp } = await import(src('app.ts')) as typeof App
  const { loadConfig } = await import(src('config.ts')) as typeof ConfigModule
  const { openDatabase } = await import(src('platform/db.ts')) as typeof DbModule
  const { migrateToLatest } = await import(src('platform/migrate.ts')) as typeof MigrateModule
  const { createPasswordHasher } = await import(src('platform/password-hashing.ts')) as typeof HashingModule
  const { createSiteAdmin } = await import(src('accounts/site-admins.ts')) as typeof SiteAdmins
  const config = loadConfig(env(dir))
  const db = openDatabase(config.database)
  await migrateToLatest(db)
  const hasher = createPasswordHasher(config.passwordHashing, { concurrency: 1 })
  await createSiteAdmin(db, hasher, { email: 'admin@example.com', username: 'admin', firstName: 'A', lastName: 'B', password: PASSWORD })
  const app = await buildApp(config, { db })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const res = await fetch(`${base}/api/jwt/create/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: PASSWORD }),
  })
  const { access } = await res.json() as { access: string }
  return { name, base, access, app }
}

const dirs = [mkdtempSync(join(tmpdir(), 'micro-a-')), mkdtempSync(join(tmpdir(), 'micro-b-'))] as const
const variants = [await start('A', values.a, dirs[0]), await start('B', values.b, dirs[1])]
const scenarios = [
  { label: 'GET /api/users/me/', phase: (v: Started) => ({ path: '/api/users/me/', headers: { authorization: `Bearer ${v.access}` } }) },
  {
    label: 'POST /api/jwt/verify/',
    phase: (v: Started) => ({
      path: '/api/jwt/verify/',
      method: 'POST' as const,
      body: JSON.stringify({ token: v.access }),
      headers: { 'content-type': 'application/json' },
    }),
  },
]
const figures = new Map<string, number[]>()
for (let round = 0; round < Number(values.rounds); round++) {
  for (const scenario of scenarios) {
    // Alternate which variant goes first, so neither always runs on a warmer or a cooler machine.
    const order = round % 2 === 0 ? variants : [...variants].reverse()
    for (const v of order) {
      const result = await runPhase({
        name: `${v.name} ${scenario.label}`, base: v.base, connections: Number(values.connections), durationS: Number(values.duration),
        expectStatus: 200, quiet: true, ...scenario.phase(v),
      }, () => {})
      const key = `${scenario.label} ${v.name}`
      figures.set(key, [...(figures.get(key) ?? []), Math.round(result.rps)])
      process.stdout.write(`round ${round + 1} ${key}: ${Math.round(result.rps)} req/s, p99 ${result.p99Ms.toFixed(2)} ms, errors ${result.errors}\n`)
    }
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0
for (const scenario of scenarios) {
  const a = figures.get(`${scenario.label} A`) ?? []
  const b = figures.get(`${scenario.label} B`) ?? []
  process.stdout.write(`${scenario.label}: A median ${median(a)} [${a.join(' ')}], B median `
    + `${median(b)} [${b.join(' ')}], B/A ${(median(b) / median(a)).toFixed(3)}\n`)
}
for (const v of variants) await v.app.close()
for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
