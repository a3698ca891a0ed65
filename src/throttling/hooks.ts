import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Limiter, RateLimitCheck } from './limiter.ts'
import type { RateLimitScope } from './rules.ts'
import { prependRouteHook } from '../platform/route-hooks.ts'

/**
 * A route's throttling, declared in its `config.throttle`: per client IP, per account named by a body field, or per
 * authenticated user. `login` adds the failure-only counters of POST /api/jwt/create/.
 */
export type ThrottleSpec = {
  ip?: RateLimitScope
  account?: { scope: RateLimitScope; field: string }
  user?: RateLimitScope
  login?: { field: string }
}

function fieldValue(request: FastifyRequest, field: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined
  const value = body?.[field]
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined
}

/** Installs the hooks that apply each route's ThrottleSpec; `userIdOf` gives the authenticated user, if any. */
export function installThrottling(app: FastifyInstance, limiter: Limiter, userIdOf: (request: FastifyRequest) => Promise<number | null>): void {
  if (!limiter.enabled) return
  function loginKeys(request: FastifyRequest, field: string): RateLimitCheck[] {
    const account = fieldValue(request, field)
    return account === undefined ? [] : [['login_account', account], ['login_account_ip', `${account}|${request.ip}`]]
  }
  // Logins whose failure-only attempts were taken, to be given back if the login succeeds.
  const loginsReserved = new WeakSet<FastifyRequest>()

  // Attached only to the routes that declare a ThrottleSpec (the others pay nothing for throttling), ahead of the
  // route's own hooks, where a global hook would run.
  app.addHook('onRoute', (route) => {
    const spec = (route.config as { throttle?: ThrottleSpec } | undefined)?.throttle
    if (spec === undefined) return
    prependRouteHook(route, 'preHandler', async (request) => {
      const checks: RateLimitCheck[] = []
      if (spec.ip) checks.push([spec.ip, request.ip])
      if (spec.account) {
        const account = fieldValue(request, spec.account.field)
        if (account !== undefined) checks.push([spec.account.scope, account])
      }
      if (spec.user) {
        const id = await userIdOf(request)
        if (id !== null) checks.push([spec.user, String(id)])
      }
      const login = spec.login ? loginKeys(request, spec.login.field) : []
      // Every attempt is taken before the handler runs (API.md §11): of 25 parallel guesses only the limit's worth
      // reach the password check, and a throttled account is refused before its password is hashed.
      await limiter.reserve(...checks, ...login)
      if (login.length > 0) loginsReserved.add(request)
    })
    const { login } = spec
    if (login === undefined) return
    // Only failed logins count against an account: its owner's successful logins give their attempt back.
    prependRouteHook(route, 'onSend', async (request, reply) => {
      if (reply.statusCode !== 401 && loginsReserved.has(request)) await limiter.giveBack(...loginKeys(request, login.field))
    })
  })
}
