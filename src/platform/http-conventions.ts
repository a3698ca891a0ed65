import type { FastifyInstance, FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import multipart from '@fastify/multipart'
import { AppError } from './errors.ts'
import type { createRouteTable } from './route-table.ts'

export const BODY_LIMIT = 64 * 1024

/**
 * A multipart form as DRF's QueryDict sees it: the last value of a repeated key, files as raw bytes (which no
 * string field accepts). The parts are streamed, so Fastify's bodyLimit does not apply: the size is checked here.
 */
async function readMultipartForm(request: FastifyRequest): Promise<Record<string, unknown>> {
  if (Number(request.headers['content-length'] ?? 0) > BODY_LIMIT) throw AppError.bodyTooLarge()
  const form: Record<string, unknown> = {}
  let size = 0
  try {
    for await (const part of request.parts()) {
      // A value over `fieldSize` arrives cut short rather than as an error: a chunked body can carry one.
      if (part.type === 'field' && part.valueTruncated) throw AppError.bodyTooLarge()
      const value = part.type === 'file' ? await part.toBuffer() : part.value
      size += Buffer.isBuffer(value) ? value.length : Buffer.byteLength(String(value))
      if (size > BODY_LIMIT) throw AppError.bodyTooLarge()
      form[part.fieldname] = value
    }
  } catch (error) {
    // The plugin's own errors (limits, bad field names) carry a status; busboy's (a broken form) do not.
    if (error instanceof AppError || (error as { statusCode?: unknown }).statusCode !== undefined) throw error
    throw new AppError(400, 'MALFORMED_REQUEST', { detail: `Multipart form parse error - ${(error as Error).message}` }, { cause: error })
  }
  return form
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
  // DRF's QueryDict gives the last value of a repeated key.
  await app.register(formbody, { bodyLimit: BODY_LIMIT, parser: (text) => Object.fromEntries(new URLSearchParams(text)) })
  await app.register(multipart, { limits: { fieldSize: BODY_LIMIT, fileSize: BODY_LIMIT, files: 1, fields: 50, parts: 51 } })
  // Callback hooks here and below: no promise per request where nothing is awaited.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.isMultipart()) {
      readMultipartForm(request).then((form) => { request.body = form; done() }, (error: Error) => done(error))
      return
    }
    // A request without a body never reaches a parser; DRF reads it as `{}` (a JSON `null` stays null).
    if (request.body === undefined) request.body = {}
    done()
  })
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
