// `npm run bench:enumeration [-- --db postgres] [--samples 200]`: whether reset and resend requests answer in the same
// time for an existing account and an unknown address (account enumeration, issue 12). The service runs as `npm start`
// does, in a child process, on a seeded database; this process sends the requests one at a time, the cases
// interleaved and their order rotated each round so that machine noise, and any work one request leaves behind for
// the next, fall on every case alike. Prints each case's median and 90th percentile, and the gap per endpoint.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openDatabase } from '../src/platform/db.ts'
import { benchEmail, createBenchDatabase, seedUsers } from './seed.ts'
import { startServer } from './service.ts'
import { startCountingSmtpSink } from './smtp-sink.ts'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    samples: { type: 'string', default: '200' },
    warmup: { type: 'string', default: '20' },
  },
})
if (args.db !== 'sqlite' && args.db !== 'postgres') throw new Error('--db is sqlite or postgres')
const samples = Number(args.samples)
const warmup = Number(args.warmup)
const USERS = 1000
// A hash that no login checks here: the requests below never verify a password.
const UNUSED_HASH = 'pbkdf2_sha256$1$bench$unused'
const say = (line: string) => process.stdout.write(`${line}\n`)

const dataDir = mkdtempSync(join(tmpdir(), 'unilink-bench-enum-'))
const database = await createBenchDatabase(args.db, dataDir, args['pg-url'])
const sink = await startCountingSmtpSink()
await seedUsers(database.url, USERS, UNUSED_HASH)
// Resend mails only an account that was never activated: the second half of the seeded users become that.
const db = openDatabase(args.db === 'postgres' ? { kind: 'postgres', url: database.url } : { kind: 'sqlite', file: database.url })
await db.updateTable('users').set({ isActive: 0 }).where('email', 'in', Array.from({ length: USERS / 2 }, (_, i) => benchEmail(USERS / 2 + i))).execute()
await db.destroy()

const service = await startServer({
  command: process.execPath, args: ['--import', 'tsx', 'src/server.ts'], readyPath: '/healthz',
  env: {
    NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn', RATE_LIMIT: 'off',
    DATA_DIR: dataDir, DATABASE_URL: database.url, EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port),
  },
})

type Case = { name: string; endpoint: string; email: (i: number) => string }
const unknown = (i: number) => `nobody-${i}@example.com`
const cases: Case[] = [
  { name: 'reset_password, existing', endpoint: 'reset_password', email: (i) => benchEmail(i % (USERS / 2)) },
  { name: 'reset_password, unknown', endpoint: 'reset_password', email: unknown },
  { name: 'resend_activation, existing', endpoint: 'resend_activation', email: (i) => benchEmail(USERS / 2 + (i % (USERS / 2))) },
  { name: 'resend_activation, unknown', endpoint: 'resend_activation', email: unknown },
  { name: 'reset_email, existing', endpoint: 'reset_email', email: (i) => benchEmail(i % (USERS / 2)) },
  { name: 'reset_email, unknown', endpoint: 'reset_email', email: unknown },
]

async function timedRequest(c: Case, i: number): Promise<number> {
  const started = performance.now()
  const response = await fetch(`${service.base}/api/users/${c.endpoint}/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: c.email(i) }),
  })
  await response.arrayBuffer()
  const ms = performance.now() - started
  if (response.status !== 204) throw new Error(`${c.name}: ${response.status}\n${service.output()}`)
  return ms
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? NaN
try {
  const timings = new Map(cases.map((c) => [c.name, [] as number[]]))
  for (let round = 0; round < warmup + samples; round++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(round + k) % cases.length] as Case
      const ms = await timedRequest(c, round)
      if (round >= warmup) timings.get(c.name)?.push(ms)
    }
  }
  say(`enumeration timing on ${database.label}: ${samples} interleaved requests per case after ${warmup} rounds of warm-up`)
  say(`${'case'.padEnd(30)} ${'median ms'.padStart(10)} ${'p90 ms'.padStart(10)}`)
  for (const c of cases) {
    const values = timings.get(c.name) ?? []
    say(`${c.name.padEnd(30)} ${quantile(values, 0.5).toFixed(3).padStart(10)} ${quantile(values, 0.9).toFixed(3).padStart(10)}`)
  }
  for (const endpoint of new Set(cases.map((c) => c.endpoint))) {
    const [existing, missing] = cases.filter((c) => c.endpoint === endpoint).map((c) => quantile(timings.get(c.name) ?? [], 0.5))
    say(`${endpoint}: existing − unknown = ${((existing ?? NaN) - (missing ?? NaN)).toFixed(3)} ms (medians)`)
  }
  say(`mails delivered meanwhile: ${sink.received()}`)
} finally {
  await service.stop()
  await sink.close()
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
