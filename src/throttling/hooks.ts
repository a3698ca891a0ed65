import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Limiter } from './limiter.ts'
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
  function loginKeys(request: FastifyRequest, field: string): [RateLimitScope, string][] {
    const account = fieldValue(request, field)
    return account === undefined ? [] : [['login_account', account], ['login_account_ip', `${account}|${request.ip}`]]
  }

  // Attached only to the routes that declare a ThrottleSpec (the others pay nothing for throttling), ahead of the
  // route's own hooks, where a global hook would run.
  app.addHook('onRoute', (route) => {
    const spec = (route.config as { throttle?: ThrottleSpec } | undefined)?.throttle
    if (spec === undefined) return
    prependRouteHook(route, 'preHandler', async (request) => {
      const checks: [RateLimitScope, string][] = []
      if (spec.ip) checks.push([spec.ip, request.ip])
      if (spec.account) {
        const account = fieldValue(request, spec.account.field)
        if (account !== undefined) checks.push([spec.account.scope, account])
      }
      if (spec.user) {
        const id = await userIdOf(request)
        if (id !== null) checks.push([spec.user, String(id)])
      }
      // A throttled account is refused before its password is checked, so guessing costs the guesser, not the CPU.
      if (spec.login) await limiter.check(...loginKeys(request, spec.login.field))
      await limiter.hit(...checks)
    })
    const { login } = spec
    if (login === undefined) return
    // Only failed logins count against an account: its owner's successful logins never use up the allowance.
    prependRouteHook(route, 'onSend', async (request, reply) => {
      if (reply.statusCode === 401) await limiter.count(...loginKeys(request, login.field))
    })
  })
}
