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
