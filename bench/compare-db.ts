// `npm run bench -- --compare-db [--rounds 3] [--duration 5] [--connections 10] [--logouts 200] [--pg-url ...]`:
// the two authenticated reads on SQLite and on PostgreSQL in one run, each with its session cache warm, rounds
// interleaved (SQLite, PostgreSQL, bare route, ...) so the shared machine's drift falls on both alike; then the
// revocation latency across two instances on one PostgreSQL (API.md §16). Prints a table, writes bench/runs/compare-db.json
// (bench/results/ with --record).
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { PRODUCTION_NODE_FLAGS } from '../scripts/build.ts'
import { runPhase } from './load.ts'
import type { PhaseResult } from './load.ts'
import { RECORDED_DIR, SCRATCH_DIR, machineDescription } from './report.ts'
import { BENCH_PASSWORD, benchEmail, createBenchDatabase, seedUsers, timeHashing } from './seed.ts'
import { buildArtifacts, startBareServer, startService } from './service.ts'
import type { RunningServer } from './service.ts'
import { startCountingSmtpSink } from './smtp-sink.ts'

const { values: args } = parseArgs({
  options: {
    'compare-db': { type: 'boolean', default: true },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    logouts: { type: 'string', default: '200' },
    users: { type: 'string', default: '1000' },
    record: { type: 'boolean', default: false },
  },
})
const rounds = Number(args.rounds)
const durationS = Number(args.duration)
const connections = Number(args.connections)
const say = (line: string) => process.stderr.write(`${line}\n`)
const quietProgress = () => {}
const loadAtStart = loadavg()

const artifacts = await buildArtifacts()
const dataDir = mkdtempSync(join(tmpdir(), 'unilink-compare-'))
const sink = await startCountingSmtpSink()
// Cheap hashes: logins are not measured here, only the reads of the sessions they open.
const { encoded } = await timeHashing({ memoryCost: 64, timeCost: 1, parallelism: 1 }, 1)
const baseEnv = {
  NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn', RATE_LIMIT: 'off', UV_THREADPOOL_SIZE: '1',
  EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port), ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1',
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))] ?? Number.NaN

async function login(base: string, i: number): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${base}/api/jwt/create/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: benchEmail(i), password: BENCH_PASSWORD }),
  })
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return response.json() as Promise<{ access: string; refresh: string }>
}

type Measured = PhaseResult & { cpuMicrosPerRequest: number | null }
type Target = { label: string; service: RunningServer; me: Measured[]; verify: Measured[]; tokens: string[] }

/**
 * Requests/s, and the server's own CPU time per request (probe.ts): on a machine whose other jobs take most of the
 * cores, requests/s measure the neighbours; CPU per request much less so (PostgreSQL's own time is not in it: with a
 * warm cache it has none to spend on these requests).
 */
async function measure(server: RunningServer, phase: Parameters<typeof runPhase>[0]): Promise<Measured> {
  await server.probe('reset')
  const result = await runPhase(phase, quietProgress)
  const report = await server.probe('report')
  const cpuMs = report === undefined ? null : report.cpu.userMs + report.cpu.systemMs
  return { ...result, cpuMicrosPerRequest: cpuMs === null || result.requests === 0 ? null : Math.round(cpuMs * 1000 / result.requests * 10) / 10 }
}
const databases = await Promise.all((['sqlite', 'postgres'] as const).map((kind) => createBenchDatabase(kind, join(dataDir, kind), args['pg-url'])))
const cleanup: (() => Promise<void>)[] = [() => sink.close()]
try {
  const targets: Target[] = []
  for (const database of databases) {
    mkdirSync(join(dataDir, database.label.replace(/\W/g, '')), { recursive: true })
    await seedUsers(database.url, Number(args.users), encoded)
    const service = await startService(artifacts, { ...baseEnv, DATA_DIR: join(dataDir, database.label.replace(/\W/g, '')), DATABASE_URL: database.url },
      PRODUCTION_NODE_FLAGS)
    cleanup.push(() => service.stop(), () => database.drop())
    const tokens = await Promise.all(Array.from({ length: connections }, (_, i) => login(service.base, i)))
    targets.push({ label: database.label, service, me: [], verify: [], tokens: tokens.map((t) => t.access) })
  }
  const bare = await startBareServer(artifacts)
  cleanup.push(() => bare.stop())
  const bareRuns: Measured[] = []
  say(`reads: ${rounds} rounds of ${durationS} s per scenario, ${connections} connections, interleaved`)
  for (const target of targets) {
    const headersOf = (n: number) => ({ authorization: `Bearer ${target.tokens[n % target.tokens.length] ?? ''}` })
    await runPhase({ name: 'warm-up', base: target.service.base, path: '/api/users/me/', connections, durationS: 2, headersOf, quiet: true }, quietProgress)
  }
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const headersOf = (n: number) => ({ authorization: `Bearer ${target.tokens[n % target.tokens.length] ?? ''}` })
      const base = target.service.base
      target.me.push(await measure(target.service, { name: `${target.label} me/`, base, path: '/api/users/me/', connections, durationS, headersOf }))
      target.verify.push(await measure(target.service, {
        name: `${target.label} verify`, base: target.service.base, path: '/api/jwt/verify/', method: 'POST', connections, durationS,
        body: JSON.stringify({ token: target.tokens[0] }),
      }))
      const rps = (runs: Measured[]) => `${Math.round(runs.at(-1)?.rps ?? 0)} req/s (${runs.at(-1)?.cpuMicrosPerRequest ?? '?'} µs CPU/request)`
      say(`  round ${round + 1} ${target.label}: me/ ${rps(target.me)}, verify ${rps(target.verify)}`)
    }
    bareRuns.push(await measure(bare, { name: 'bare', base: bare.base, path: '/bare', connections, durationS }))
    say(`  round ${round + 1} bare Fastify route: ${Math.round(bareRuns.at(-1)?.rps ?? 0)} req/s`)
  }
  await Promise.all(targets.map((t) => t.service.stop()))

  say(`revocation: two instances on one PostgreSQL, ${args.logouts} logouts on the first, polled on the second`)
  const pg = databases[1]
  if (pg === undefined) throw new Error('no PostgreSQL database')
  const instance = (n: number) =>
    startService(artifacts, { ...baseEnv, DATA_DIR: join(dataDir, `pg${n}`), DATABASE_URL: pg.url }, PRODUCTION_NODE_FLAGS)
  const [a, b] = [await instance(1), await instance(2)]
  cleanup.push(() => a.stop(), () => b.stop())
  const revocation = await measureRevocation(a.base, b.base, Number(args.logouts))

  const summary = (runs: Measured[]) => ({
    medianRps: Math.round(median(runs.map((r) => r.rps))), runs: runs.map((r) => Math.round(r.rps)),
    medianCpuMicrosPerRequest: median(runs.map((r) => r.cpuMicrosPerRequest ?? Number.NaN)), cpuMicrosPerRequest: runs.map((r) => r.cpuMicrosPerRequest),
  })
  const [sqlite, postgres] = targets as [Target, Target]
  const bareMedian = median(bareRuns.map((r) => r.rps))
  const results = {
    date: new Date().toISOString(),
    machine: { ...machineDescription(), loadAverageStart: loadAtStart, loadAverageEnd: loadavg() },
    setup: {
      connections, durationS, rounds, users: Number(args.users),
      mode: `NODE_ENV=production LOG_LEVEL=warn UV_THREADPOOL_SIZE=1 node ${PRODUCTION_NODE_FLAGS.join(' ')} dist/server.mjs`,
    },
    sqlite: { database: sqlite.label, me: summary(sqlite.me), verify: summary(sqlite.verify) },
    postgres: { database: postgres.label, me: summary(postgres.me), verify: summary(postgres.verify) },
    bare: summary(bareRuns),
    ratios: {
      postgresOverSqlite: { me: median(postgres.me.map((r) => r.rps)) / median(sqlite.me.map((r) => r.rps)),
        verify: median(postgres.verify.map((r) => r.rps)) / median(sqlite.verify.map((r) => r.rps)) },
      overBare: {
        sqlite: { me: median(sqlite.me.map((r) => r.rps)) / bareMedian, verify: median(sqlite.verify.map((r) => r.rps)) / bareMedian },
        postgres: { me: median(postgres.me.map((r) => r.rps)) / bareMedian, verify: median(postgres.verify.map((r) => r.rps)) / bareMedian },
      },
    },
    revocation,
  }
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`
  process.stdout.write([
    '',
    `| scenario | SQLite req/s (median; runs) | PostgreSQL req/s (median; runs) | PostgreSQL / SQLite |`,
    '| --- | --- | --- | --- |',
    `| GET /api/users/me/ | ${results.sqlite.me.medianRps} (${results.sqlite.me.runs.join(', ')}) | ${results.postgres.me.medianRps} `
      + `(${results.postgres.me.runs.join(', ')}) | ${pct(results.ratios.postgresOverSqlite.me)} |`,
    `| POST /api/jwt/verify/ | ${results.sqlite.verify.medianRps} (${results.sqlite.verify.runs.join(', ')}) | ${results.postgres.verify.medianRps} `
      + `(${results.postgres.verify.runs.join(', ')}) | ${pct(results.ratios.postgresOverSqlite.verify)} |`,
    `| bare Fastify route | ${results.bare.medianRps} (${results.bare.runs.join(', ')}) | | |`,
    '',
    `server CPU per request (median µs; runs): SQLite me/ ${results.sqlite.me.medianCpuMicrosPerRequest} `
      + `(${results.sqlite.me.cpuMicrosPerRequest.join(', ')}), `
      + `verify ${results.sqlite.verify.medianCpuMicrosPerRequest} (${results.sqlite.verify.cpuMicrosPerRequest.join(', ')}); `
      + `PostgreSQL me/ ${results.postgres.me.medianCpuMicrosPerRequest} (${results.postgres.me.cpuMicrosPerRequest.join(', ')}), `
      + `verify ${results.postgres.verify.medianCpuMicrosPerRequest} (${results.postgres.verify.cpuMicrosPerRequest.join(', ')}); `
      + `bare ${results.bare.medianCpuMicrosPerRequest} (${results.bare.cpuMicrosPerRequest.join(', ')})`,
    `share of the bare route: SQLite me/ ${pct(results.ratios.overBare.sqlite.me)}, verify ${pct(results.ratios.overBare.sqlite.verify)}; `
      + `PostgreSQL me/ ${pct(results.ratios.overBare.postgres.me)}, verify ${pct(results.ratios.overBare.postgres.verify)}`,
    `revocation across two instances (${revocation.logouts} logouts): from the logout's 204 to the other instance's first 401, `
      + `p50 ${revocation.fromAnswerMs.p50} ms, p99 ${revocation.fromAnswerMs.p99} ms, max ${revocation.fromAnswerMs.max} ms; `
      + `from sending the logout: p50 ${revocation.fromRequestMs.p50} ms, p99 ${revocation.fromRequestMs.p99} ms`,
    '',
  ].join('\n'))
  const dir = args.record ? RECORDED_DIR : SCRATCH_DIR
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'compare-db.json'), `${JSON.stringify(results, null, 2)}\n`)
  say(`results: ${join(dir, 'compare-db.json')}`)
} finally {
  for (const step of cleanup.reverse()) await step().catch(() => {})
  rmSync(dataDir, { recursive: true, force: true })
}

/**
 * Each round: a session opened on `a`, read on `b` twice (cached there), logged out on `a`; then `b` is asked again
 * and again, one request at a time, until it answers 401. The time from the logout's answer to that 401 is the
 * revocation's latency across instances (its notice's trip through PostgreSQL included).
 */
async function measureRevocation(a: string, b: string, logouts: number) {
  const fromAnswer: number[] = []
  const fromRequest: number[] = []
  const me = (base: string, access: string) => fetch(`${base}/api/users/me/`, { headers: { authorization: `Bearer ${access}` } })
    .then(async (r) => { await r.arrayBuffer(); return r.status })
  for (let i = 0; i < logouts; i++) {
    const { access } = await login(a, i)
    for (let k = 0; k < 2; k++) if (await me(b, access) !== 200) throw new Error('the second instance refused a fresh session')
    const sent = performance.now()
    const out = await fetch(`${a}/api/logout/`, { method: 'POST', headers: { authorization: `Bearer ${access}` } })
    if (out.status !== 204) throw new Error(`logout answered ${out.status}`)
    const answered = performance.now()
    for (;;) {
      if (await me(b, access) === 401) break
      if (performance.now() - answered > 5000) throw new Error('the second instance still accepts a revoked token after 5 s')
    }
    const refused = performance.now()
    fromAnswer.push(refused - answered)
    fromRequest.push(refused - sent)
  }
  const stats = (values: number[]) => ({
    p50: Math.round(quantile(values, 0.5) * 100) / 100, p99: Math.round(quantile(values, 0.99) * 100) / 100,
    max: Math.round(Math.max(...values) * 100) / 100,
  })
  return { logouts, fromAnswerMs: stats(fromAnswer), fromRequestMs: stats(fromRequest) }
}
