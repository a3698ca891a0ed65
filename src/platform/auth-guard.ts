import type { FastifyRequest, preParsingHookHandler } from 'fastify'
import { assertTrustedOrigin } from './csrf.ts'
import { AppError } from './errors.ts'
import { whenReady } from './maybe-promise.ts'
import type { MaybePromise } from './maybe-promise.ts'
import { describeHook } from './route-traits.ts'

/** The raw access token of a request: the Authorization header decides alone when present (API.md §3). */
export function accessTokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (header !== undefined) {
    // SimpleJWT splits the header on whitespace and wants exactly `Bearer <token>`.
    const match = /^Bearer\s+(\S+)\s*$/.exec(header)
    return match?.[1] ?? null
  }
  const cookie = request.cookies.access
  return cookie !== undefined && cookie !== '' ? cookie : null
}

/** True when the request authenticates with the `access` cookie rather than a header (CSRF applies to it). */
export function usesAccessCookie(request: FastifyRequest): boolean {
  return request.headers.authorization === undefined && Boolean(request.cookies.access)
}

/**
 * Resolves and caches the principal of each request; anything wrong with the token makes the request anonymous.
 * Routes list its hooks in `preParsing`, before the body is parsed: DRF authenticates and checks permissions first,
 * so an anonymous request to a protected view gets its 401 even with a body that would be refused (415, 400, 413).
 * A principal that is at hand (a cached session) comes without a promise.
 */
export function createAuthGuard<P>(authenticateToken: (token: string) => MaybePromise<P | null>, allowedOrigins: readonly string[]) {
  const resolved = new WeakMap<FastifyRequest, P | null>()

  function principalNowOrLater(request: FastifyRequest): MaybePromise<P | null> {
    if (resolved.has(request)) return resolved.get(request) ?? null
    const token = accessTokenOf(request)
    return whenReady(token === null ? null : authenticateToken(token), (result) => {
      resolved.set(request, result)
      return result
    })
  }

  function required(result: P | null): P {
    if (result === null) throw AppError.notAuthenticated()
    return result
  }

  /** The request's user, then the CSRF check where the `access` cookie authenticates it (API.md §11). */
  function signedIn(request: FastifyRequest): MaybePromise<void> {
    return whenReady(principalNowOrLater(request), (principal) => {
      required(principal)
      if (usesAccessCookie(request)) assertTrustedOrigin(request, allowedOrigins)
    })
  }

  // A callback hook, finishing at once when the principal is at hand: no promise where nothing is awaited.
  const authenticate: preParsingHookHandler = (request, _reply, payload, done) => {
    let outcome: MaybePromise<void>
    try {
      outcome = signedIn(request)
    } catch (error) {
      done(error as Error)
      return
    }
    if (outcome instanceof Promise) outcome.then(() => done(null, payload), (error: Error) => done(error))
    else done(null, payload)
  }

  /** The CSRF check of a route that a browser's `name` cookie authenticates when present (API.md §11). */
  function csrfWhenCookie(name: 'access' | 'refresh'): preParsingHookHandler {
    return describeHook<preParsingHookHandler>((request, _reply, payload, done) => {
      try {
        if (request.cookies[name]) assertTrustedOrigin(request, allowedOrigins)
      } catch (error) {
        done(error as Error)
        return
      }
      done(null, payload)
    }, { cookies: [name] })
  }

  return {
    /** preParsing: the 401 of an anonymous request, and the CSRF check of one the `access` cookie authenticates. */
    authenticate: describeHook(authenticate, { requiresUser: true }),
    csrfWhenCookie,
    async principal(request: FastifyRequest): Promise<P | null> {
      return principalNowOrLater(request)
    },
    /** For the not-found handler: the 401 of a protected path asked with another method. */
    async require(request: FastifyRequest): Promise<P> {
      return whenReady(principalNowOrLater(request), required)
    },
    /** The principal the route's `authenticate` hook already resolved. */
    of(request: FastifyRequest): P {
      return required(resolved.get(request) ?? null)
    },
  }
}

export type AuthGuard<P> = ReturnType<typeof createAuthGuard<P>>
