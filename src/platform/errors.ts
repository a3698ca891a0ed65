import type { Socket } from 'node:net'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/** The closed list of error codes; the public body is fixed per throw site, the code is for logs and tests. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'NOT_AUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'MALFORMED_REQUEST',
  'INVALID_HOST',
  'INVALID_CREDENTIALS',
  'TOKEN_NOT_VALID',
  'STALE_TOKEN',
  'THROTTLED',
  'CSRF_FAILED',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** DRF's field-error tree: `{"email": ["..."]}`, nested for nested objects (`{"admin": {"email": [...]}}`). */
export type FieldErrors = { [field: string]: string[] | FieldErrors }

export type PublicBody = Record<string, unknown>

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    readonly body: PublicBody,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(`${code}: ${JSON.stringify(body)}`, { cause: options.cause })
    this.name = 'AppError'
    this.headers = options.headers ?? {}
  }

  readonly headers: Record<string, string>
  /** On a field-validation failure: the fields that did pass, so database checks can still report theirs. */
  partial?: Record<string, unknown>

  static fields(errors: FieldErrors, partial?: Record<string, unknown>): AppError {
    const error = new AppError(400, 'VALIDATION_FAILED', errors)
    error.partial = partial
    return error
  }

  static nonField(message: string): AppError {
    return new AppError(400, 'VALIDATION_FAILED', { non_field_errors: [message] })
  }

  static badRequest(detail: string, code: ErrorCode = 'MALFORMED_REQUEST'): AppError {
    return new AppError(400, code, { detail })
  }

  /** API.md §3: anonymous on a protected view. */
  static notAuthenticated(): AppError {
    return new AppError(401, 'NOT_AUTHENTICATED', { detail: 'Authentication credentials were not provided.' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  static invalidCredentials(): AppError {
    return new AppError(401, 'INVALID_CREDENTIALS', { detail: 'No active account found with the given credentials' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  /** SimpleJWT's token errors: "Token is invalid or expired", "Token has wrong type", "Token is blacklisted". */
  static tokenNotValid(detail: string): AppError {
    return new AppError(401, 'TOKEN_NOT_VALID', { detail, code: 'token_not_valid' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  static permissionDenied(detail = 'You do not have permission to perform this action.'): AppError {
    return new AppError(403, 'PERMISSION_DENIED', { detail })
  }

  static notFound(body: PublicBody = { detail: 'Not found.' }): AppError {
    return new AppError(404, 'NOT_FOUND', body)
  }

  /** API.md §1: bodies over 64 KiB, whatever their media type. */
  static bodyTooLarge(): AppError {
    return new AppError(413, 'BODY_TOO_LARGE', { detail: 'Request body too large.' })
  }

  static methodNotAllowed(method: string, allow: string): AppError {
    return new AppError(405, 'METHOD_NOT_ALLOWED', { detail: `Method "${method}" not allowed.` }, {
      headers: { allow },
    })
  }
}

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
