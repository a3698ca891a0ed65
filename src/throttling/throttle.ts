import type { FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify'
import { describeHook } from '../platform/http/route-traits.ts'
import type { Limiter, RateLimitCheck } from './limiter.ts'
import type { RateLimitScope } from './rules.ts'

/**
 * A route's limits, listed in its `preHandler`: per client IP, per account named by a body field, or per
 * authenticated user. `login` adds the failure-only limits of POST /api/jwt/create/ (see countOnlyFailedLogins).
 */
export type ThrottleSpec = {
  ip?: RateLimitScope
  account?: { scope: RateLimitScope; field: string }
  user?: RateLimitScope
  login?: { field: string }
  /** Per account named by something else than a body field (the user behind an mfa_token); none when `of` gives null. */
  key?: { scope: RateLimitScope; of: (request: FastifyRequest) => Promise<string | null> }
  /** These scopes count failures only: a request answered below 400 gives its attempt back (see refundOnSuccess). */
  failuresOnly?: readonly RateLimitScope[]
}

function fieldValue(request: FastifyRequest, field: string): string | undefined {
  const body = request.body as Record<string, unknown> | undefined
  const value = body?.[field]
  return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : undefined
}

function loginKeys(request: FastifyRequest, field: string): RateLimitCheck[] {
  const account = fieldValue(request, field)
  return account === undefined ? [] : [['login_account', account], ['login_account_ip', `${account}|${request.ip}`]]
}

const skipCounting: onSendHookHandler = (_request, _reply, payload, done) => done(null, payload)

/**
 * The hooks routes list to be throttled; `userIdOf` gives the authenticated user, if any. With `RATE_LIMIT=off` they
 * do nothing (and the OpenAPI document still names the 429 the route answers when limits are on).
 */
export function createThrottle(limiter: Limiter, userIdOf: (request: FastifyRequest) => Promise<number | null>) {
  // Logins whose failure-only attempts were taken, to be given back if the login succeeds.
  const loginsReserved = new WeakSet<FastifyRequest>()
  // Logins whose password was right although the answer is a 401 (the mfa_required step of API.md §12).
  const passwordsAccepted = new WeakSet<FastifyRequest>()
  // The failure-only attempts other routes took (spec.failuresOnly), to be given back on success.
  const failureOnlyReserved = new WeakMap<FastifyRequest, RateLimitCheck[]>()

  /** preHandler: takes the request's attempt from each limit of `spec`; 429 once any is used up. */
  function throttle(spec: ThrottleSpec): preHandlerHookHandler {
    if (!limiter.enabled) return describeHook<preHandlerHookHandler>((_request, _reply, done) => done(), { throttled: true })
    async function countAgainstLimits(request: FastifyRequest): Promise<void> {
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
      if (spec.key) {
        const identity = await spec.key.of(request)
        if (identity !== null) checks.push([spec.key.scope, identity])
      }
      const login = spec.login ? loginKeys(request, spec.login.field) : []
      // Every attempt is taken before the handler runs (API.md §11): of 25 parallel guesses only the limit's worth
      // reach the password check, and a throttled account is refused before its password is hashed.
      await limiter.reserve(...checks, ...login)
      if (login.length > 0) loginsReserved.add(request)
      const refundable = checks.filter(([scope]) => spec.failuresOnly?.includes(scope))
      if (refundable.length > 0) failureOnlyReserved.set(request, refundable)
    }
    return describeHook<preHandlerHookHandler>((request, _reply, done) => {
      countAgainstLimits(request).then(() => done(), done)
    }, { throttled: true })
  }

  /**
   * onSend of the login route: only failed logins count against an account, so a login that did not fail gives the
   * account's attempts back, and its owner's successful logins never use up the allowance.
   */
  function countOnlyFailedLogins(field: string): onSendHookHandler {
    if (!limiter.enabled) return skipCounting
    return (request, reply, payload, done) => {
      if ((reply.statusCode === 401 && !passwordsAccepted.has(request)) || !loginsReserved.has(request)) return done(null, payload)
      limiter.giveBack(...loginKeys(request, field)).then(() => done(null, payload), done)
    }
  }

  /** onSend of a route whose spec names `failuresOnly` scopes: an answer below 400 gives those attempts back. */
  const refundOnSuccess: onSendHookHandler = (request, reply, payload, done) => {
    const reserved = failureOnlyReserved.get(request)
    if (reserved === undefined || reply.statusCode >= 400) return done(null, payload)
    limiter.giveBack(...reserved).then(() => done(null, payload), done)
  }

  return {
    throttle,
    countOnlyFailedLogins,
    refundOnSuccess: limiter.enabled ? refundOnSuccess : skipCounting,
    /** The login's password was right (its answer may still be a 401 asking for a second factor): not a failure. */
    passwordAccepted: (request: FastifyRequest): void => { passwordsAccepted.add(request) },
  }
}

export type Throttle = ReturnType<typeof createThrottle>
