import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

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
