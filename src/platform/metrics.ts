import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { AppError } from './errors.ts'
import { DetailJson } from './response-shapes.ts'

/** The service's Prometheus metrics; one registry per app, so tests and several apps in a process never mix. */
/** What the session cache (tokens/session-lookup.ts) has counted; the listener's figures only on PostgreSQL. */
export type SessionCacheStats = { hits: number; misses: number; invalidations?: number; reconnects?: number; secondsSinceHeartbeat?: number }

export function createMetrics(opts: { oldestPendingMailAt: () => Promise<number | null>; sessionCache: () => SessionCacheStats }) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const httpRequests = new Counter({
    name: 'http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds', help: 'HTTP request latency by route, method and status',
    labelNames: ['route', 'method', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  })
  const logins = new Counter({ name: 'logins_total', help: 'Login attempts by result', labelNames: ['result'], registers: [registry] })
  const tokens = new Counter({ name: 'tokens_total', help: 'Tokens issued, refreshed and sessions revoked', labelNames: ['event'], registers: [registry] })
  const mails = new Counter({ name: 'mails_total', help: 'Mails queued, sent, failed for good, or rescheduled', labelNames: ['event'], registers: [registry] })
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds', help: 'Age of the oldest undelivered mail (0 when none)', registers: [registry],
    async collect() {
      const oldest = await opts.oldestPendingMailAt()
      this.set(oldest === null ? 0 : (Date.now() - oldest) / 1000)
    },
  })
  // The cache counts in plain numbers on its hot path; the metrics read them when scraped.
  const cacheCounter = (name: string, help: string, read: (stats: SessionCacheStats) => number | undefined) => new Counter({
    name, help, registers: [registry],
    collect() {
      this.reset()
      this.inc(read(opts.sessionCache()) ?? 0)
    },
  })
  cacheCounter('session_cache_hits_total', 'Authenticated requests answered from the session cache', (s) => s.hits)
  cacheCounter('session_cache_misses_total', 'Session lookups read from the database (cold, expired, invalidated, or cache bypassed)', (s) => s.misses)
  cacheCounter('session_cache_invalidations_total', 'Revocation notices received by the listener (PostgreSQL)', (s) => s.invalidations)
  cacheCounter('session_cache_listener_reconnects_total', 'Times the revocation listener was lost and subscribed again', (s) => s.reconnects)
  new Gauge({
    name: 'session_cache_heartbeat_age_seconds', help: 'Seconds since the listener last heard its own heartbeat (0 without a listener)',
    registers: [registry],
    collect() { this.set(opts.sessionCache().secondsSinceHeartbeat ?? 0) },
  })
  for (const result of ['succeeded', 'failed']) logins.inc({ result }, 0)
  for (const event of ['issued', 'refreshed', 'revoked']) tokens.inc({ event }, 0)
  for (const event of ['queued', 'sent', 'failed', 'retrying']) mails.inc({ event }, 0)

  // The labelled series of each route, method and status, looked up once: prom-client validates and hashes a
  // label object on every inc() and observe() given one, which costs more than the counting.
  const requestSeries = new Map<string, { count: Counter.Internal; duration: Histogram.Internal<string> }>()
  function seriesOf(route: string, method: string, status: number) {
    const key = `${status} ${method} ${route}`
    let series = requestSeries.get(key)
    if (series === undefined) {
      const labels = { route, method, status: String(status) }
      series = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) }
      requestSeries.set(key, series)
    }
    return series
  }

  return {
    registry,
    mail: (event: 'queued' | 'sent' | 'failed' | 'retrying') => mails.inc({ event }),
    observeRequest(route: string, method: string, status: number, seconds: number): void {
      const series = seriesOf(route, method, status)
      series.count.inc()
      series.duration.observe(seconds)
    },
    /** A login attempt, as the token routes report it (API.md §6). */
    login: (result: 'succeeded' | 'failed') => logins.inc({ result }),
    /** Tokens issued and refreshed, and sessions revoked, as the token and session routes report them (API.md §11). */
    token: (event: 'issued' | 'refreshed' | 'revoked') => tokens.inc({ event }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

/** `GET /metrics` in Prometheus text format; with METRICS_TOKEN set, only for `Authorization: Bearer <token>`. */
export function installMetrics(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  // Counted before the answer leaves, so a client that reads /metrics right after sees its own request.
  // A callback hook, not an async one: no promise per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    if (route !== '/metrics') metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000)
    done(null, payload)
  })
  const docs: FastifySchema = {
    summary: 'Prometheus metrics',
    description: 'Requests and latency by route and status, logins, tokens, mails, outbox age. '
      + 'With METRICS_TOKEN set: `Authorization: Bearer <METRICS_TOKEN>`.',
    produces: ['text/plain'],
    // `{}`: no token needed when METRICS_TOKEN is unset.
    security: [{ metricsToken: [] }, {}],
    response: {
      200: { type: 'string', description: 'Prometheus text format 0.0.4.' },
      401: DetailJson('METRICS_TOKEN is set and the request does not carry it.', 'Authentication credentials were not provided.'),
    },
  }
  app.get('/metrics', { schema: docs }, async (request, reply) => {
    if (token !== undefined && !bearerMatches(request.headers.authorization, token)) throw AppError.notAuthenticated()
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer /, '') ?? '')
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}
