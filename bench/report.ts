// The benchmark's verdict: the machine it ran on, the table printed at the end, the targets of issue 6, and the
// files kept under bench/results/.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { Argon2Cost } from '../src/platform/password-hashing.ts'
import { renderChart } from './chart.ts'
import type { PhaseResult } from './load.ts'
import type { HashTiming } from './seed.ts'
import type { MfaSecondStep } from './mfa.ts'
import { STRETCH_GOALS, isStretchGoal, targetStatus } from './targets.ts'
import type { Target } from './targets.ts'
import { ROOT } from './service.ts'

export type ServicePhase = PhaseResult & { loopDelayP99Ms: number | null; rssMb: number | null }

export type BenchResults = {
  date: string
  machine: ReturnType<typeof machineDescription> & { loadAverageStart: number[]; loadAverageEnd: number[] }
  setup: {
    database: string
    connections: number
    durationS: number
    users: number
    rateLimit: 'off'
    rotateRefreshTokens: boolean
    argon2: Argon2Cost
    hashThreads: number
    mode: string
  }
  hashing: HashTiming & { encoded?: undefined; loginLimitPerS: number }
  startup: { bundleMs: number[]; npmStartMs: number[] }
  bare: PhaseResult
  /** Requests/s of the bare route before and after the service's phases; `bare` is the faster run. */
  bareRuns: number[]
  /** The same two requests answered by node:http with the least work (floor-server.ts): the faster of two runs. */
  floor: { me: PhaseResult; verify: PhaseResult }
  floorRuns: { me: number[]; verify: number[] }
  phases: ServicePhase[]
  server: { requestsServed: number; peakRssMb: number | null; mails: { queued: number; deliveredDuringRun: number } }
  /** POST /api/jwt/create/mfa/ with TOTP, one request at a time, mfa_tokens made beforehand (bench/mfa.ts); absent from older runs. */
  mfa?: MfaSecondStep
  targets: Target[]
}

export function machineDescription() {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN
const percent = (ratio: number) => `${Math.round(ratio * 100)}%`

type Key = Record<'me' | 'verify' | 'create' | 'refresh' | 'idle' | 'stormProbe', PhaseResult> & { loginPage?: PhaseResult }

/** Issue 6's targets, as ratios within this run (absolute figures drift on a shared machine). */
export function evaluateTargets(results: BenchResults, key: Key): Target[] {
  const { bare, server, startup, hashing } = results
  const startupMs = median(startup.bundleMs)
  const stormRatio = key.stormProbe.p99Ms / key.idle.p99Ms
  const everyPhase = [bare, results.floor.me, results.floor.verify, ...results.phases]
  const targets: Target[] = [
    { name: '/users/me/ vs bare route', value: percent(key.me.rps / bare.rps), goal: '>= 60%', met: key.me.rps >= 0.6 * bare.rps },
    { name: 'jwt/verify vs bare route', value: percent(key.verify.rps / bare.rps), goal: '>= 75%', met: key.verify.rps >= 0.75 * bare.rps },
    {
      name: 'jwt/create vs hash-bound limit', value: `${percent(key.create.rps / hashing.loginLimitPerS)} of ${hashing.loginLimitPerS}/s`, goal: '>= 85%',
      met: key.create.rps >= 0.85 * hashing.loginLimitPerS,
    },
    {
      name: 'me/ p99 in login storm vs idle', value: `${stormRatio.toFixed(2)}x (${key.stormProbe.p99Ms} vs ${key.idle.p99Ms} ms)`, goal: '< 3x',
      met: stormRatio < 3,
    },
    {
      name: 'peak RSS', value: `${server.peakRssMb ?? '?'} MB after ${server.requestsServed.toLocaleString('en-US')} requests`, goal: '< 150 MB',
      met: server.peakRssMb !== null && server.peakRssMb < 150 && server.requestsServed >= 100_000,
    },
    { name: 'start-up to first answer', value: `${startupMs} ms (node dist/server.mjs)`, goal: '< 1000 ms', met: startupMs < 1000 },
    // Issue 16: the sign-in page, its template compiled once (results recorded before it was added lack it).
    ...(key.loginPage === undefined ? [] : [{
      name: 'GET /login/', value: `${Math.round(key.loginPage.rps).toLocaleString('en-US')} req/s`, goal: '>= 5,000 req/s',
      met: key.loginPage.rps >= 5000,
    }]),
    ...(results.mfa === undefined ? [] : [{
      name: 'jwt/create/mfa/ (TOTP) p50', value: `${results.mfa.p50Ms} ms over ${results.mfa.requests} second steps (p90 ${results.mfa.p90Ms} ms)`,
      goal: '< 5 ms', met: results.mfa.p50Ms < 5,
    }]),
    {
      name: 'errors in all phases', value: String(everyPhase.reduce((sum, p) => sum + p.errors, 0)), goal: '0',
      met: everyPhase.every((p) => p.errors === 0),
    },
  ]
  return targets.map((t) => ({ ...t, stretch: STRETCH_GOALS.has(t.name) }))
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ')
}

export function formatTable(results: BenchResults): string {
  const widths = [32, 9, 9, 9, 7, 10, 8]
  const row = (p: PhaseResult & Partial<ServicePhase>) => pad([
    p.name, p.rps.toLocaleString('en-US'), p.p50Ms.toFixed(2), p.p99Ms.toFixed(2), String(p.errors),
    p.loopDelayP99Ms == null ? '' : p.loopDelayP99Ms.toFixed(1), percent(p.rps / results.bare.rps),
  ], widths)
  const { machine, setup, hashing, server } = results
  const lines = [
    '',
    `${machine.cpuModel}, ${machine.nproc} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; `
      + `load average at start ${machine.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}`,
    `${setup.database}; ${setup.mode}; RATE_LIMIT=off; ${setup.connections} connections, ${setup.durationS} `
      + `s per phase; ${setup.users.toLocaleString('en-US')} users`,
    `argon2id m=${setup.argon2.memoryCost} KiB t=${setup.argon2.timeCost} p=${setup.argon2.parallelism}: `
      + `hash ${hashing.hashMs} ms, verify ${hashing.verifyMs} ms; ${setup.hashThreads} threads -> at most ${hashing.loginLimitPerS} logins/s`,
    '',
    pad(['scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'loop p99', 'vs bare'], widths),
    row(results.bare),
    row(results.floor.me),
    row(results.floor.verify),
    ...results.phases.map(row),
    '',
    floorLine(results),
    `server peak RSS ${server.peakRssMb ?? '?'} MB after ${server.requestsServed.toLocaleString('en-US')} `
      + `requests; registration mail: ${server.mails.queued} queued, ${server.mails.deliveredDuringRun} delivered over SMTP during the run`,
    `start-up to the first 200 of /healthz: node dist/server.mjs ${results.startup.bundleMs.join(', ')} `
      + `ms; tsx src/server.ts (npm start) ${results.startup.npmStartMs.join(', ')} ms`,
    '',
    ...results.targets.map((t) => `${targetStatus(t).padEnd(26)}${t.name.padEnd(32)} ${t.value} (${isStretchGoal(t) ? 'stretch goal' : 'target'} ${t.goal})`),
    '',
  ]
  return lines.join('\n')
}

/** The floor's share of the bare route within each pass (before and after the service's phases), not across them. */
function floorLine({ bareRuns, floorRuns }: BenchResults): string {
  const pass = (i: number) => `users/me/ ${percent((floorRuns.me[i] ?? 0) / (bareRuns[i] ?? 1))}, `
    + `jwt/verify/ ${percent((floorRuns.verify[i] ?? 0) / (bareRuns[i] ?? 1))}`
  return `the floor (node:http, no framework, the least work) vs the bare route of the same pass: before the service's phases ${pass(0)}; after ${pass(1)}`
}

/** bench/results/: the recorded runs kept in git (`--record`); bench/runs/: every other run, git-ignored. */
export const RECORDED_DIR = 'bench/results'
export const SCRATCH_DIR = 'bench/runs'

/** Writes `<dir>/<db>.json` and `<db>.png` (the newest run per database). */
export async function saveResults(results: BenchResults, name: string, dir: string): Promise<string[]> {
  mkdirSync(join(ROOT, dir), { recursive: true })
  const json = join(ROOT, dir, `${name}.json`)
  const png = join(ROOT, dir, `${name}.png`)
  writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(png, await renderChart([results]))
  return [json, png].map((file) => file.slice(ROOT.length))
}
