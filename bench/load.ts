// One load phase: autocannon in this process against a server on loopback, with a progress line and latencies
// recorded to the microsecond (autocannon's own histogram counts whole milliseconds, too coarse for a fast route).
import { createHistogram } from 'node:perf_hooks'
import autocannon from 'autocannon'
import type { Options, Request } from 'autocannon'

export type PhaseResult = {
  name: string
  requests: number
  durationS: number
  rps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  /** Socket errors, timeouts and answers other than the expected status. */
  errors: number
  /** How many answers had each status. */
  statuses: Record<string, number>
}

export type Phase = {
  name: string
  base: string
  path: string
  method?: 'GET' | 'POST'
  body?: string
  headers?: Record<string, string>
  connections: number
  durationS?: number
  /** Stop after this many requests instead of after durationS. */
  amount?: number
  /** Requests per second over all connections (a fixed rate, for latency under a known load); none: as fast as possible. */
  overallRate?: number
  /** Per-connection headers (e.g. one access token per connection), chosen by connection number. */
  headersOf?: (connection: number) => Record<string, string>
  /** Rebuilds each request (a fresh token, a unique email); costs the load generator some time per request. */
  setupRequest?: (request: Request) => Request
  onResponse?: (status: number, body: string) => void
  expectStatus?: number
  quiet?: boolean
}

const JSON_HEADERS = { 'content-type': 'application/json' }

/** Runs a phase to its end; the progress line is rewritten in place on a terminal, printed per phase otherwise. */
export async function runPhase(phase: Phase, progress: (line: string, done: boolean) => void): Promise<PhaseResult> {
  const expected = phase.expectStatus ?? 200
  const latencies = createHistogram()
  let connection = 0
  let unexpected = 0
  const statuses: Record<string, number> = {}
  const headers = { ...(phase.method === 'POST' ? JSON_HEADERS : {}), ...phase.headers }
  const request: Request = {
    method: phase.method ?? 'GET', path: phase.path, headers, body: phase.body,
    ...(phase.setupRequest ? { setupRequest: phase.setupRequest } : {}),
    ...(phase.onResponse ? { onResponse: phase.onResponse } : {}),
  }
  const options: Options = {
    url: phase.base,
    connections: phase.connections,
    timeout: 30,
    requests: [request],
    ...(phase.amount !== undefined ? { amount: phase.amount } : { duration: phase.durationS ?? 10 }),
    ...(phase.overallRate !== undefined ? { overallRate: phase.overallRate } : {}),
  }
  if (phase.headersOf !== undefined) {
    const headersOf = phase.headersOf
    options.setupClient = (client) => client.setHeaders({ ...headers, ...headersOf(connection++) })
  }
  const instance = autocannon(options)

  const started = performance.now()
  let ticks = 0
  let done = 0
  instance.on('response', (_client, status, _bytes, ms) => {
    done += 1
    if (status !== expected) unexpected += 1
    statuses[status] = (statuses[status] ?? 0) + 1
    latencies.record(Math.max(1, Math.round(ms * 1000)))
  })
  instance.on('tick', ({ counter }) => {
    ticks += 1
    if (phase.quiet) return
    const total = phase.amount !== undefined ? `${done}/${phase.amount} requests` : `${ticks}/${phase.durationS ?? 10} s`
    progress(`  ${phase.name.padEnd(28)} ${total.padStart(16)}  ${counter.toLocaleString('en-US').padStart(7)} req/s`, false)
  })
  const result = await instance
  const durationS = (performance.now() - started) / 1000
  const ms = (us: number) => Math.round(us) / 1000
  const summary: PhaseResult = {
    name: phase.name,
    requests: done,
    durationS: Math.round(durationS * 100) / 100,
    rps: Math.round(done / durationS),
    p50Ms: ms(latencies.percentile(50)),
    p99Ms: ms(latencies.percentile(99)),
    maxMs: ms(latencies.max),
    errors: result.errors + result.timeouts + unexpected,
    statuses,
  }
  if (!phase.quiet) progress(
    `  ${phase.name.padEnd(28)} ${summary.requests.toLocaleString('en-US').padStart(9)} requests `
      + ` ${summary.rps.toLocaleString('en-US').padStart(7)} req/s  p99 ${summary.p99Ms} `
      + `ms${summary.errors > 0 ? `  answers ${JSON.stringify(statuses)}` : ''}`,
    true,
  )
  return summary
}
