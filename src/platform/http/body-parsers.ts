import type { FastifyInstance, preValidationHookHandler } from 'fastify'
import formbody from '@fastify/formbody'
import { AppError } from '../errors.ts'
import { parseMultipartForm } from './multipart-form.ts'
import { parseQueryString } from './query-string.ts'

export const BODY_LIMIT = 64 * 1024

/**
 * DRF's parsers (API.md §1): JSON, urlencoded and multipart forms, and an empty body counts as `{}`; anything else
 * with a body is a 415 raised by Fastify and worded in error-rendering.ts.
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
