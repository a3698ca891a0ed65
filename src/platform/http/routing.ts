import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import type { createRouteTable } from './route-table.ts'

function pathAndQuery(request: FastifyRequest): { path: string; query: string } {
  const at = request.url.indexOf('?')
  return at === -1 ? { path: request.url, query: '' } : { path: request.url.slice(0, at), query: request.url.slice(at) }
}

/**
 * Every path ends with `/` (API.md §1). Django's APPEND_SLASH redirect (301 for GET/HEAD, 308 otherwise) runs
 * before anything reads the body, and also catches the unslashed twin Fastify registers for a `'/'` route under a
 * prefix. Then, for paths no route answers: 405 with `Allow` for a known path and another method (after the 401 of
 * a protected view, as DRF checks permissions first), and a JSON 404 for the rest.
 */
export function installRoutingConventions(
  app: FastifyInstance,
  routes: ReturnType<typeof createRouteTable>,
  requireAuth: (request: FastifyRequest) => Promise<unknown>,
): void {
  app.addHook('onRequest', (request, reply, done) => {
    const { path, query } = pathAndQuery(request)
    if (path.endsWith('/') || routes.match(`${path}/`) === undefined) return done()
    const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308
    void reply.code(status).header('location', `${path}/${query}`).send()
  })

  app.setNotFoundHandler(async (request, reply) => {
    const known = routes.match(pathAndQuery(request).path)
    if (known === undefined) throw AppError.notFound()
    if (known.auth) await requireAuth(request)
    // A plain OPTIONS (CORS preflights are answered in cors.ts): DRF's metadata answer, reduced to `Allow`.
    if (request.method === 'OPTIONS') return reply.header('allow', known.allow).send({})
    throw AppError.methodNotAllowed(request.method, known.allow)
  })
}
