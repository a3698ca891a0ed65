import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

// What django-cors-headers (and @fastify/cors, which this replaces) answer a preflight with.
const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'DELETE, GET, OPTIONS, PATCH, POST, PUT',
  'access-control-allow-headers': 'accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with',
  'access-control-max-age': '86400',
}

/**
 * API.md §9, as django-cors-headers answers: allowed origins are reflected with credentials on every response,
 * errors included; a preflight (an OPTIONS carrying `Access-Control-Request-Method`) is answered 200 at once, before
 * authentication. A plain OPTIONS is no preflight: it goes on to the route table, which answers it like DRF.
 * One synchronous hook with everything computed up front: @fastify/cors rebuilt its options on every request.
 */
export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const stamp = corsHeaders(allowedOrigins)
  app.addHook('onRequest', (request, reply, done) => {
    stamp(request, reply)
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      // Answered here: the hook chain ends with this reply (done is not called).
      void reply.code(200).headers(PREFLIGHT_HEADERS).header('content-length', '0').send()
      return
    }
    done()
  })
}

/**
 * The CORS headers of one response, for every path that answers: the hook above, and the answers Fastify gives
 * before any hook runs (a path that does not decode: `frameworkErrors` in app.ts).
 */
export function corsHeaders(allowedOrigins: readonly string[]): (request: FastifyRequest, reply: FastifyReply) => void {
  const allowOrigin = allowedOriginOf(allowedOrigins)
  return (request, reply) => {
    reply.header('vary', 'Origin')
    const origin = allowOrigin(request.headers.origin)
    if (origin !== undefined) reply.header('access-control-allow-origin', origin)
    reply.header('access-control-allow-credentials', 'true')
  }
}

/** The same headers as plain fields, for answers written straight to a socket (Node's client errors, errors.ts). */
export function corsHeaderFields(allowedOrigins: readonly string[]): (origin: string | undefined) => Record<string, string> {
  const allowOrigin = allowedOriginOf(allowedOrigins)
  return (origin) => {
    const allowed = allowOrigin(origin)
    return {
      vary: 'Origin', ...(allowed !== undefined ? { 'access-control-allow-origin': allowed } : {}), 'access-control-allow-credentials': 'true',
    }
  }
}

function allowedOriginOf(allowedOrigins: readonly string[]): (origin: string | undefined) => string | undefined {
  const allowed = new Set(allowedOrigins)
  if (allowed.has('*')) return () => '*'
  return (origin) => (origin !== undefined && allowed.has(origin) ? origin : undefined)
}
