// `npm run bench [-- --db postgres] [--duration 10] [--connections 10] [--users 10000] [--record | --no-save] [--quick]`
// (or `-- --compare-db`: compare-db.ts):
// the service in production mode on loopback, loaded with autocannon, next to a bare Fastify route; see bench/README.md.
// Results go to the git-ignored bench/runs/ unless `--record` asks for the tracked bench/results/.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Request } from 'autocannon'
import { loadConfig } from '../src/config.ts'
import { runPhase } from './load.ts'
import type { Phase, PhaseResult } from './load.ts'
import { RECORDED_DIR, SCRATCH_DIR, evaluateTargets, formatTable, machineDescription, saveResults } from './report.ts'
import type { BenchResults, ServicePhase } from './report.ts'
import { BENCH_PASSWORD, benchEmail, createBenchDatabase, hashTimingInChild, seedUsers } from './seed.ts'
import { PRODUCTION_NODE_FLAGS } from '../scripts/build.ts'
import { ROOT, buildArtifacts, measureStartup, startBareServer, startFloorServer, startService } from './service.ts'
import { startCountingSmtpSink } from './smtp-sink.ts'
import { measureMfaSecondStep } from './mfa.ts'

// The two databases side by side in one run, and the revocation latency across instances: a run of its own.
if (process.argv.includes('--compare-db')) {
  await import('./compare-db.ts')
  process.exit(0)
}

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    users: { type: 'string', default: '10000' },
    'no-save': { type: 'boolean', default: false },
    /** Writes the tracked bench/results/<db>.json and .png instead of the git-ignored bench/runs/. */
    record: { type: 'boolean', default: false },
    /** A check of the plumbing in well under a minute: 1 s per phase, 500 users, no top-up to 100,000 requests. */
    quick: { type: 'boolean', default: false },
    /** Writes a V8 CPU profile of the service to this folder (node --cpu-prof), for chrome://inspect or speedscope. */
    'cpu-prof': { type: 'string' },
    /** Node flags for the service instead of the production ones (scripts/build.ts), space-separated; "none" for none. */
    'server-flags': { type: 'string' },
    /** Another build of the service to measure (e.g. an older commit's, for before/after figures); default: this tree's. */
    bundle: { type: 'string' },
  },
})
if (args.db !== 'sqlite' && args.db !== 'postgres') throw new Error('--db is sqlite or postgres')
// Quick figures are noise: they check that every phase runs, and never replace a recorded run.
if (args.quick && args.record) throw new Error('--quick runs are not recorded: drop --record')
const dbKind = args.db
const durationS = args.quick ? 1 : Number(args.duration)
const connections = Number(args.connections)
const userCount = args.quick ? 500 : Number(args.users)
const chosenFlags = args['server-flags'] === undefined
  ? PRODUCTION_NODE_FLAGS
  : args['server-flags'].split(' ').filter((flag) => flag !== '' && flag !== 'none')
const MIN_SERVED = args.quick ? 0 : 100_000
const STORM_PROBE_RATE = 200

const interactive = process.stderr.isTTY
function progress(line: string, done: boolean): void {
  if (interactive) process.stderr.write(`\r\x1b[2K${line}${done ? '\n' : ''}`)
  else if (done) process.stderr.write(`${line}\n`)
}
const say = (line: string) => process.stderr.write(`${line}\n`)

const loadAtStart = loadavg()
say(`bench: ${machineDescription().cpuModel}, ${machineDescription().nproc} cores, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`)
say('building the production bundle (scripts/build.ts) and the bench helpers ...')
const built = await buildArtifacts()
const artifacts = args.bundle === undefined ? built : { ...built, server: resolve(args.bundle) }

const dataDir = mkdtempSync(join(tmpdir(), 'unilink-bench-'))
const database = await createBenchDatabase(dbKind, dataDir, args['pg-url'])
const sink = await startCountingSmtpSink()
const passthrough = Object.fromEntries(Object.entries(process.env).filter(([name]) =>
  /^(ARGON2_\w+|UV_THREADPOOL_SIZE|ROTATE_REFRESH_TOKENS|MALLOC_\w+)$/.test(name)) as [string, string][])
const serviceEnv: Record<string, string> = {
  NODE_ENV: 'production', SECRET_KEY: randomBytes(32).toString('base64url'), LOG_LEVEL: 'warn',
  // The load comes from one address: the rate limits would answer 429 to nearly all of it.
  RATE_LIMIT: 'off',
  DATA_DIR: dataDir, DATABASE_URL: database.url, EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port), ...passthrough,
}
const config = loadConfig(serviceEnv)
// As production runs it (scripts/build.ts): one libuv thread per hash allowed at once, unless set otherwise.
serviceEnv.UV_THREADPOOL_SIZE ??= String(config.passwordHashConcurrency)
// Hashes run on libuv's threadpool, at most ARGON2_CONCURRENCY at once, each on a core of its own at best.
const hashThreads = Math.min(config.passwordHashConcurrency, Number(serviceEnv.UV_THREADPOOL_SIZE ?? 4), machineDescription().nproc)

say(`argon2id m=${config.passwordHashing.memoryCost} KiB, t=${config.passwordHashing.timeCost}, p=${config.passwordHashing.parallelism}: timing one hash ...`)
const hashing = hashTimingInChild(config.passwordHashing, serviceEnv.UV_THREADPOOL_SIZE)
say(`  one hash ${hashing.hashMs} ms (fastest ${hashing.hashMinMs}), one verification ${hashing.verifyMs} `
  + `ms (fastest ${hashing.verifyMinMs}), medians of ${hashing.samples}; ${hashThreads} hashing thread(s)`)
say(`seeding ${userCount.toLocaleString('en-US')} users into ${database.label} ...`)
await seedUsers(database.url, userCount, hashing.encoded)

say('start-up: spawn to the first 200 of GET /healthz ...')
const startup = { bundleMs: [] as number[], npmStartMs: [] as number[] }
for (let i = 0; i < 3; i++) startup.bundleMs.push(await measureStartup(process.execPath, [...chosenFlags, artifacts.server], serviceEnv))
for (let i = 0; i < 2; i++) startup.npmStartMs.push(await measureStartup(join(ROOT, 'node_modules/.bin/tsx'), ['src/server.ts'], serviceEnv))
say(`  node ${chosenFlags.join(' ')} dist/server.mjs: ${startup.bundleMs.join(', ')} ms; tsx src/server.ts (npm start): ${startup.npmStartMs.join(', ')} ms`)

say(`load: ${connections} connections, ${durationS} s per phase, rate limits off (RATE_LIMIT=off)`)
const bare = await startBareServer(artifacts)
const floor = await startFloorServer(artifacts, serviceEnv.SECRET_KEY ?? '')
await runPhase({ name: 'warm-up', base: bare.base, path: '/bare', connections, durationS: 2, quiet: true }, progress)
// Measured again after the service's phases (idle meanwhile, it takes no CPU), and the faster of the two counts: the
// ceiling drifts by a third within minutes on this shared machine, and a dip would flatter every ratio.
const bareFirst = await runPhase({ name: 'bare Fastify route', base: bare.base, path: '/bare', connections, durationS }, progress)

const serverFlags = [...chosenFlags, ...(args['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`] : [])]
const service = await startService(artifacts, serviceEnv, serverFlags)
let served = 0
const servicePhases: ServicePhase[] = []

async function measured(phase: Omit<Phase, 'base'>): Promise<PhaseResult> {
  await service.probe('reset')
  const result = await runPhase({ ...phase, base: service.base }, progress)
  const report = await service.probe('report')
  served += result.requests
  servicePhases.push({ ...result, loopDelayP99Ms: report?.loopDelay.p99Ms ?? null, rssMb: report ? report.rssBytes / 2 ** 20 : null })
  return result
}

async function login(i: number): Promise<{ access: string; refresh: string }> {
  const response = await fetch(`${service.base}/api/jwt/create/`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: benchEmail(i), password: BENCH_PASSWORD }),
  })
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}\n${service.output()}`)
  served += 1
  return response.json() as Promise<{ access: string; refresh: string }>
}
const loginMany = (count: number, offset = 0) => Promise.all(Array.from({ length: count }, (_, i) => login((offset + i) % userCount)))
const bearerPerConnection = (tokens: { access: string }[]) => (n: number) => ({ authorization: `Bearer ${tokens[n % tokens.length]?.access ?? ''}` })

try {
  const meTokens = await loginMany(connections)
  const meRequest = { path: '/api/users/me/', connections, durationS, headersOf: bearerPerConnection(meTokens) }
  const verifyRequest = {
    path: '/api/jwt/verify/',
    method: 'POST' as const,
    connections,
    durationS,
    body: JSON.stringify({ token: (await loginMany(connections, connections))[0]?.access }),
  }
  // The floor (floor-server.ts) answers the same two requests, with the same tokens, before and after the service's
  // phases like the bare route, the faster run counting.
  const floorPhases = async () => {
    await runPhase({ ...meRequest, name: 'warm-up', base: floor.base, durationS: 2, quiet: true }, progress)
    return {
      me: await runPhase({ ...meRequest, name: 'floor: GET /api/users/me/', base: floor.base }, progress),
      verify: await runPhase({ ...verifyRequest, name: 'floor: POST /api/jwt/verify/', base: floor.base }, progress),
    }
  }
  const floorFirst = await floorPhases()
  await runPhase({ ...meRequest, name: 'warm-up', base: service.base, durationS: 2, quiet: true }, progress)
  const me = await measured({ ...meRequest, name: 'GET /api/users/me/' })
  const verify = await measured({ ...verifyRequest, name: 'POST /api/jwt/verify/' })
  // The hosted sign-in page (issue 16): a fresh CSRF secret and token per answer, as a browser's first visit gets.
  const loginPage = await measured({ name: 'GET /login/', path: '/login/', connections, durationS })
  let tokens = meTokens

  // Rotation: every answer carries the next refresh token, which goes back into the pool for a later request.
  const pool = (await loginMany(connections * 4, 2 * connections)).map((pair) => pair.refresh)
  const refresh = await measured({
    name: 'POST /api/jwt/refresh/', path: '/api/jwt/refresh/', method: 'POST', connections, durationS,
    setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh: pool.shift() ?? 'exhausted' }) }),
    onResponse: (status, body) => {
      if (status === 200) pool.push((JSON.parse(body) as { refresh: string }).refresh)
    },
  })

  let next = 0
  const loginBody = (request: Request): Request =>
    ({ ...request, body: JSON.stringify({ email: benchEmail(next++ % userCount), password: BENCH_PASSWORD }) })
  const create = await measured({ name: 'POST /api/jwt/create/', path: '/api/jwt/create/', method: 'POST', connections, durationS, setupRequest: loginBody })

  const mailsBefore = sink.received()
  let registered = 0
  const run = randomBytes(3).toString('hex')
  const register = await measured({
    name: 'POST /api/users/', path: '/api/users/', method: 'POST', connections, durationS, expectStatus: 201,
    setupRequest: (request) => {
      const n = registered++
      return { ...request, body: JSON.stringify({
        email: `new-${run}-${n}@example.com`, username: `n${run}${n}`, first_name: 'New', last_name: 'Student',
        password: BENCH_PASSWORD, re_password: BENCH_PASSWORD,
      }) }
    },
  })

  tokens = await loginMany(4, 3 * connections)
  const probe = { path: '/api/users/me/', connections: 4, durationS, overallRate: STORM_PROBE_RATE, headersOf: bearerPerConnection(tokens) }
  const idle = await measured({ ...probe, name: `me/ at ${STORM_PROBE_RATE}/s, idle` })
  await service.probe('reset')
  const [stormProbe, storm] = await Promise.all([
    runPhase({ ...probe, base: service.base, name: `me/ at ${STORM_PROBE_RATE}/s, login storm` }, progress),
    runPhase(
      {
        name: 'login storm',
        base: service.base,
        path: '/api/jwt/create/',
        method: 'POST',
        connections: 4 * hashThreads,
        durationS,
        setupRequest: loginBody,
        quiet: true,
      },
      progress,
    ),
  ])
  const stormReport = await service.probe('report')
  served += stormProbe.requests + storm.requests
  servicePhases.push({ ...stormProbe, loopDelayP99Ms: stormReport?.loopDelay.p99Ms ?? null, rssMb: stormReport ? stormReport.rssBytes / 2 ** 20 : null })
  servicePhases.push({ ...storm, loopDelayP99Ms: null, rssMb: null })

  if (served < MIN_SERVED) {
    await measured({
      name: 'GET /api/users/me/ (to 100k)',
      path: '/api/users/me/',
      connections,
      amount: MIN_SERVED - served,
      headersOf: bearerPerConnection(tokens),
    })
  }
  // Last of the login phases: these users have TOTP from here on, so jwt/create would answer them mfa_required.
  const mfaUsers = Array.from({ length: args.quick ? 20 : 200 }, (_, i) => benchEmail(userCount - 1 - i))
  const mfa = await measureMfaSecondStep(service.base, mfaUsers, BENCH_PASSWORD)
  served += mfa.requests * 5
  say(`POST /api/jwt/create/mfa/ (TOTP): p50 ${mfa.p50Ms} ms, p90 ${mfa.p90Ms} ms, max ${mfa.maxMs} ms over ${mfa.requests} second steps`)
  const final = await service.probe('report')
  const bareAgain = await runPhase({ name: 'bare Fastify route', base: bare.base, path: '/bare', connections, durationS }, progress)
  const bareResult = bareAgain.rps > bareFirst.rps ? bareAgain : bareFirst
  say(`bare route: ${Math.round(bareFirst.rps).toLocaleString('en-US')} req/s before the service's `
    + `phases, ${Math.round(bareAgain.rps).toLocaleString('en-US')} after; the faster counts`)
  const floorAgain = await floorPhases()
  const faster = (a: PhaseResult, b: PhaseResult) => (b.rps > a.rps ? b : a)
  const floorResult = { me: faster(floorFirst.me, floorAgain.me), verify: faster(floorFirst.verify, floorAgain.verify) }
  const mails = { queued: register.requests - register.errors, deliveredDuringRun: sink.received() - mailsBefore }

  const results: BenchResults = {
    date: new Date().toISOString(),
    machine: { ...machineDescription(), loadAverageStart: loadAtStart, loadAverageEnd: loadavg() },
    setup: {
      database: database.label, connections, durationS, users: userCount, rateLimit: 'off', rotateRefreshTokens: config.rotateRefreshTokens,
      argon2: config.passwordHashing, hashThreads,
      mode: `NODE_ENV=production LOG_LEVEL=warn ${[
        ...Object.entries({ ...passthrough, UV_THREADPOOL_SIZE: serviceEnv.UV_THREADPOOL_SIZE }).map(([k, v]) => `${k}=${v}`),
        'node',
        ...serverFlags,
        'dist/server.mjs',
      ].join(' ')}`,
    },
    hashing: { ...hashing, encoded: undefined, loginLimitPerS: Math.round((hashThreads * 1000) / hashing.verifyMs * 10) / 10 },
    startup,
    bare: bareResult,
    bareRuns: [bareFirst.rps, bareAgain.rps],
    floor: floorResult,
    floorRuns: { me: [floorFirst.me.rps, floorAgain.me.rps], verify: [floorFirst.verify.rps, floorAgain.verify.rps] },
    phases: servicePhases,
    server: { requestsServed: served, peakRssMb: final ? Math.round(final.peakRssBytes / 2 ** 17) / 8 : null, mails },
    mfa,
    targets: [],
  }
  results.targets = evaluateTargets(results, { me, verify, create, refresh, idle, stormProbe, loginPage })
  process.stdout.write(formatTable(results))
  if (args.quick) say('a --quick run: the phases are too short for their figures to mean anything; it checks that every phase runs')
  if (!args['no-save']) say(`results: ${(await saveResults(results, dbKind, args.record ? RECORDED_DIR : SCRATCH_DIR)).join(', ')}`)
} catch (error) {
  say(service.output())
  throw error
} finally {
  await service.stop()
  await bare.stop()
  await floor.stop()
  await sink.close()
  await database.drop()
  rmSync(dataDir, { recursive: true, force: true })
}
