import type { FastifyInstance, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { AppError } from './errors.ts'
import type { createRouteTable } from './route-table.ts'

export const BODY_LIMIT = 64 * 1024

/**
 * DRF's parsers (API.md §1): JSON (an empty body counts as `{}`), urlencoded and multipart forms; anything else
 * with a body is a 415 raised by Fastify and worded in errors.ts.
 */
export async function installBodyParsers(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, {})
    void parseJson(request, text, (error, value) => {
      if (error) return done(AppError.badRequest(`JSON parse error - ${error.message}`), undefined)
      done(null, value)
    })
  })
  // DRF's QueryDict gives the last value of a repeated key.
  await app.register(formbody, { bodyLimit: BODY_LIMIT, parser: (text) => Object.fromEntries(new URLSearchParams(text)) })
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fieldSize: BODY_LIMIT, fileSize: BODY_LIMIT, files: 1, fields: 50, parts: 51 },
  })
}

function pathAndQuery(request: FastifyRequest): { path: string; query: string } {
  const at = request.url.indexOf('?')
  return at === -1 ? { path: request.url, query: '' } : { path: request.url.slice(0, at), query: request.url.slice(at) }
}

/**
 * Unknown paths: Django's APPEND_SLASH redirect (301 for GET/HEAD, 308 otherwise), 405 with `Allow` for a known path
 * and another method (after the 401 of a protected view), and a JSON 404 for the rest.
 */
export function installNotFoundHandler(
  app: FastifyInstance,
  routes: ReturnType<typeof createRouteTable>,
  requireAuth: (request: FastifyRequest) => Promise<unknown>,
): void {
  app.setNotFoundHandler(async (request, reply) => {
    const { path, query } = pathAndQuery(request)
    const known = routes.match(path)
    if (known !== undefined) {
      if (request.method === 'OPTIONS') return reply.header('allow', known.allow).send({})
      if (known.auth) await requireAuth(request)
      throw AppError.methodNotAllowed(request.method, known.allow)
    }
    if (!path.endsWith('/') && routes.match(`${path}/`) !== undefined) {
      const status = request.method === 'GET' || request.method === 'HEAD' ? 301 : 308
      return reply.code(status).header('location', `${path}/${query}`).send()
    }
    throw AppError.notFound()
  })
}
