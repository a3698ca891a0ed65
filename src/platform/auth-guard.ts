import type { FastifyRequest } from 'fastify'
import { AppError } from './errors.ts'

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
 * preHandler hook in app.ts; anything wrong with the token makes the request anonymous, which such routes refuse.
 */
export function createAuthGuard<P>(authenticate: (token: string) => Promise<P | null>) {
  const resolved = new WeakMap<FastifyRequest, P | null>()

  async function principal(request: FastifyRequest): Promise<P | null> {
    if (resolved.has(request)) return resolved.get(request) ?? null
    const token = accessTokenOf(request)
    const result = token === null ? null : await authenticate(token)
    resolved.set(request, result)
    return result
  }

  return {
    principal,
    async require(request: FastifyRequest): Promise<P> {
      const result = await principal(request)
      if (result === null) throw AppError.notAuthenticated()
      return result
    },
    /** The principal a guarded route's preHandler already resolved. */
    of(request: FastifyRequest): P {
      const result = resolved.get(request)
      if (result === undefined || result === null) throw AppError.notAuthenticated()
      return result
    },
  }
}

export type AuthGuard<P> = ReturnType<typeof createAuthGuard<P>>
