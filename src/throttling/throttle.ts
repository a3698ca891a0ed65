import type { FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify'
import { describeHook } from '../platform/http/route-traits.ts'
import type { Limiter } from './limiter.ts'
import type { RateLimitScope } from './rules.ts'

/**
 * A route's limits, listed in its `preHandler`: per client IP, per account named by a body field, or per
 * authenticated user. `login` adds the failure-only counters of POST /api/jwt/create/ (see countFailedLogins).
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

function loginKeys(request: FastifyRequest, field: string): [RateLimitScope, string][] {
  const account = fieldValue(request, field)
  return account === undefined ? [] : [['login_account', account], ['login_account_ip', `${account}|${request.ip}`]]
}

const skipCounting: onSendHookHandler = (_request, _reply, payload, done) => done(null, payload)

/**
 * The hooks routes list to be throttled; `userIdOf` gives the authenticated user, if any. With `RATE_LIMIT=off` they
 * do nothing (and the OpenAPI document still names the 429 the route answers when limits are on).
 */
export function createThrottle(limiter: Limiter, userIdOf: (request: FastifyRequest) => Promise<number | null>) {
  /** preHandler: counts the request against each limit of `spec`; 429 once any is used up. */
  function throttle(spec: ThrottleSpec): preHandlerHookHandler {
    if (!limiter.enabled) return describeHook<preHandlerHookHandler>((_request, _reply, done) => done(), { throttled: true })
    async function countAgainstLimits(request: FastifyRequest): Promise<void> {
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
    }
    return describeHook<preHandlerHookHandler>((request, _reply, done) => {
      countAgainstLimits(request).then(() => done(), done)
    }, { throttled: true })
  }

  /** onSend of the login route: only failed logins count against an account, so its owner never uses up the allowance. */
  function countFailedLogins(field: string): onSendHookHandler {
    if (!limiter.enabled) return skipCounting
    return (request, reply, payload, done) => {
      if (reply.statusCode !== 401) return done(null, payload)
      limiter.count(...loginKeys(request, field)).then(() => done(null, payload), done)
    }
  }

  return { throttle, countFailedLogins }
}

export type Throttle = ReturnType<typeof createThrottle>
