import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import type { FieldErrors } from '../errors.ts'

/** Body-parser failures raised by Fastify itself, rendered in DRF's words. */
function fromFastifyError(error: FastifyError, contentType: string | undefined): AppError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', {
        detail: `Unsupported media type "${contentType ?? ''}" in request.`,
      })
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return AppError.bodyTooLarge()
    default:
      break
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return new AppError(status, 'MALFORMED_REQUEST', { detail: 'Malformed request.' }, { cause: error })
  }
  return null
}

function render(appError: AppError | null, error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (appError === null) {
    request.log.error({ err: error }, 'unhandled error')
    return reply.code(500).type('application/json').send({ detail: 'A server error occurred.' })
  }
  if (appError.cause !== undefined) request.log.warn({ err: appError.cause, code: appError.code }, 'request failed')
  return reply.code(appError.statusCode).headers(appError.headers).type('application/json').send(appError.body)
}

/**
 * The one place where errors become HTTP: AppError as declared, Fastify's parser errors in DRF's words, and
 * anything else as a generic 500 whose details are logged, never sent.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) =>
    render(error instanceof AppError ? error : fromFastifyError(error, request.headers['content-type']), error, request, reply))
}

/** An error as a page shows it (API.md §14): messages for the top of the form, and field messages beside the fields. */
export type PageError = { status: number; messages: string[]; fields: Record<string, string[]>; headers: Record<string, string> }

const PAGE_CSRF = 'CSRF Failed: this form is out of date or did not come from this site. Reload the page and try again.'

/** The body of an AppError, in the words a page shows: the same messages as the JSON answer. */
export function pageErrorOf(error: AppError): PageError {
  const messages: string[] = []
  const fields: Record<string, string[]> = {}
  const flatten = (tree: FieldErrors, prefix: string) => {
    for (const [key, value] of Object.entries(tree)) {
      if (Array.isArray(value)) fields[prefix + key] = value
      else flatten(value, `${prefix}${key}.`)
    }
  }
  const { detail, message, non_field_errors: nonField, ...rest } = error.body as Record<string, unknown>
  // `status` ("error") and `code` ("token_not_valid") of the original's shapes say nothing a reader needs; a field
  // of the same name (a department's `code`) is a list of messages and stays.
  if (typeof rest.status === 'string') delete rest.status
  if (typeof rest.code === 'string') delete rest.code
  if (typeof detail === 'string') messages.push(detail)
  if (typeof message === 'string') messages.push(message)
  if (Array.isArray(nonField)) messages.push(...nonField.map(String))
  flatten(rest as FieldErrors, '')
  return { status: error.statusCode, messages, fields, headers: error.headers }
}

/**
 * The error handler of the hosted pages: the same errors as the JSON routes (a 404, a 429, a refused CSRF check),
 * handed to `show`, which renders them as a page; anything unexpected is logged and shown as the contract's 500.
 */
export function installPageErrorHandler(
  app: FastifyInstance, show: (error: PageError, request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>,
): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // @fastify/csrf-protection's refusals (a missing or wrong token, a missing secret cookie).
    const csrf = !(error instanceof AppError) && error.code?.startsWith('FST_CSRF_') === true
    const appError = error instanceof AppError ? error
      : csrf ? new AppError(403, 'CSRF_FAILED', { detail: PAGE_CSRF }) : fromFastifyError(error, request.headers['content-type'])
    if (appError === null) {
      request.log.error({ err: error }, 'unhandled error')
      return show({ status: 500, messages: ['A server error occurred.'], fields: {}, headers: {} }, request, reply)
    }
    if (appError.cause !== undefined) request.log.warn({ err: appError.cause, code: appError.code }, 'request failed')
    return show(pageErrorOf(appError), request, reply)
  })
}

/**
 * Fastify's `frameworkErrors`: failures met before routing, which would otherwise get Fastify's own body. A path
 * that does not decode, or a path parameter over `maxParamLength`, names no view: the 404 of any unknown path.
 */
export function renderFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const unroutable = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
  void render(unroutable ? AppError.notFound() : null, error, request, reply)
}

// Node's own answers to requests its parser refuses before Fastify sees them (API.md §1), in DRF's shape.
const CLIENT_ERRORS: Record<string, { status: string; detail: string } | undefined> = {
  HPE_HEADER_OVERFLOW: { status: '431 Request Header Fields Too Large', detail: 'Request header fields too large.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: '408 Request Timeout', detail: 'Request timeout.' },
}
const BAD_REQUEST = { status: '400 Bad Request', detail: 'Bad request.' }

/** The Origin line of the last request head in the bytes the parser refused, when it got that far. */
function originIn(rawPacket: unknown): string | undefined {
  if (!Buffer.isBuffer(rawPacket)) return undefined
  const matches = [...rawPacket.toString('latin1').matchAll(/\r\norigin:[ \t]*([^\r\n]*)/gi)]
  return matches.at(-1)?.[1]?.trim()
}

/**
 * Fastify's `clientErrorHandler` (the server's `clientError` event): malformed HTTP (conflicting Content-Length and
 * Transfer-Encoding, a broken request line) and over-large headers, answered as Fastify's default does (written to the
 * socket, which is then closed) but in DRF's words and with the CORS headers of the Origin the request sent.
 */
export function createClientErrorHandler(corsFor: (origin: string | undefined) => Record<string, string>) {
  return (error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void => {
    // A reset connection has nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    const { status, detail } = CLIENT_ERRORS[error.code ?? ''] ?? BAD_REQUEST
    const body = JSON.stringify({ detail })
    const headers = {
      ...corsFor(originIn(error.rawPacket)),
      'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close',
    }
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n')
    if (socket.writable) socket.write(`HTTP/1.1 ${status}\r\n${head}\r\n\r\n${body}`)
    socket.destroy(error)
  }
}
