import type { FastifyRequest, preParsingHookHandler } from 'fastify'
import { assertTrustedOrigin } from './http/csrf.ts'
import { AppError } from './errors.ts'
import { describeHook } from './http/route-traits.ts'

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
 */
export function createAuthGuard<P>(authenticateToken: (token: string) => Promise<P | null>, allowedOrigins: readonly string[]) {
  const resolved = new WeakMap<FastifyRequest, P | null>()

  async function principal(request: FastifyRequest): Promise<P | null> {
    if (resolved.has(request)) return resolved.get(request) ?? null
    const token = accessTokenOf(request)
    const result = token === null ? null : await authenticateToken(token)
    resolved.set(request, result)
    return result
  }

  function required(result: P | null): P {
    if (result === null) throw AppError.notAuthenticated()
    return result
  }

  /** The request's user, then the CSRF check where the `access` cookie authenticates it (API.md §11). */
  const authenticate: preParsingHookHandler = (request, _reply, payload, done) => {
    principal(request).then((found) => {
      required(found)
      if (usesAccessCookie(request)) assertTrustedOrigin(request, allowedOrigins)
    }).then(() => done(null, payload), (error: Error) => done(error))
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
    principal,
    /** For the not-found handler: the 401 of a protected path asked with another method. */
    async require(request: FastifyRequest): Promise<P> {
      return required(await principal(request))
    },
    /** The principal the route's `authenticate` hook already resolved. */
    of(request: FastifyRequest): P {
      return required(resolved.get(request) ?? null)
    },
  }
}

export type AuthGuard<P> = ReturnType<typeof createAuthGuard<P>>
