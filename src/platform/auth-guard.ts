import type { FastifyRequest } from 'fastify'
import { AppError } from './errors.ts'
import { whenReady } from './maybe-promise.ts'
import type { MaybePromise } from './maybe-promise.ts'

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
 * Resolves and caches the principal of each request. Routes marked `config: { auth: true }` are guarded by a
 * preParsing hook in app.ts; anything wrong with the token makes the request anonymous, which such routes refuse.
 * A principal that is at hand (a cached session) comes without a promise.
 */
export function createAuthGuard<P>(authenticate: (token: string) => MaybePromise<P | null>) {
  const resolved = new WeakMap<FastifyRequest, P | null>()

  function principalNowOrLater(request: FastifyRequest): MaybePromise<P | null> {
    if (resolved.has(request)) return resolved.get(request) ?? null
    const token = accessTokenOf(request)
    return whenReady(token === null ? null : authenticate(token), (result) => {
      resolved.set(request, result)
      return result
    })
  }

  function required(result: P | null): P {
    if (result === null) throw AppError.notAuthenticated()
    return result
  }

  return {
    principalNowOrLater,
    async principal(request: FastifyRequest): Promise<P | null> {
      return principalNowOrLater(request)
    },
    /** The principal, or the 401 of an anonymous request; thrown at once when that is known at once. */
    requireNowOrLater(request: FastifyRequest): MaybePromise<P> {
      return whenReady(principalNowOrLater(request), required)
    },
    async require(request: FastifyRequest): Promise<P> {
      return whenReady(principalNowOrLater(request), required)
    },
    /** The principal a guarded route's preParsing hook already resolved. */
    of(request: FastifyRequest): P {
      return required(resolved.get(request) ?? null)
    },
  }
}

export type AuthGuard<P> = ReturnType<typeof createAuthGuard<P>>
