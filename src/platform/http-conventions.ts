import type { FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify'
import formbody from '@fastify/formbody'
import { AppError } from './errors.ts'
import { parseMultipartForm } from './multipart-form.ts'
import type { createRouteTable } from './route-table.ts'

export const BODY_LIMIT = 64 * 1024

/**
 * The query string as DRF's views read it (`request.query_params`, a QueryDict, through a serializer or `.get`): a
 * repeated key counts with its last value, so `?user_id=1&user_id=2` looks up user 2 instead of failing validation.
 */
export function parseQueryString(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text))
}

/**
 * DRF's parsers (API.md §1): JSON, urlencoded and multipart forms, and an empty body counts as `{}`; anything else
 * with a body is a 415 raised by Fastify and worded in errors.ts.
 */
export async function installBodyParsers(app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  // `__proto__` and `constructor.prototype` keys are dropped, not refused: unknown fields are ignored (API.md §1),
  // and dropping them still keeps prototype pollution out.
  const parseJson = app.getDefaultJsonParser('remove', 'remove')
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') return done(null, {})
    void parseJson(request, text, (error, value) => {
      if (error) return done(AppError.badRequest(`JSON parse error - ${error.message}`), undefined)
      done(null, value)
    })
  })
  // A urlencoded form is a QueryDict too: the last value of a repeated key.
  await app.register(formbody, { bodyLimit: BODY_LIMIT, parser: parseQueryString })
  app.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (request, body, done) => {
    parseMultipartForm(body as Buffer, request.headers['content-type'] ?? '').then((form) => done(null, form), (error: Error) => done(error, undefined))
  })
  // A request without a body never reaches a parser, and DRF reads it as `{}` (a JSON `null` stays null). One hook
  // for every route, as the parsers are: the convention of the whole API, not something a route opts into.
  app.addHook('preValidation', emptyBodyAsObject)
}

const emptyBodyAsObject: preValidationHookHandler = (request, _reply, done) => {
  if (request.body === undefined) request.body = {}
  done()
}

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
