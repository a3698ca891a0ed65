import { randomUUID } from 'node:crypto'
import { LogController } from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

// A caller's request id is kept only if it is short and plain: it goes into every log line of the request.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Fastify options for request ids: `X-Request-Id` when acceptable, a fresh UUID otherwise. */
export const requestIdOptions: Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader' | 'logController'> = {
  requestIdHeader: false,
  // Fastify's own two lines per request are replaced by the one line below.
  logController: new LogController({ disableRequestLogging: true }),
  genReqId: (request) => {
    const given = request.headers['x-request-id']
    return typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID()
  },
}

/**
 * One log line per request, with its id, echoed back as `X-Request-Id`. The line names the path without the query
 * string and never headers or bodies, so tokens, cookies and passwords cannot reach the logs through it.
 */
export function installRequestLogging(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', async (request, reply) => {
    const at = request.url.indexOf('?')
    request.log.info({
      method: request.method,
      path: at === -1 ? request.url : request.url.slice(0, at),
      route: request.routeOptions.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
    }, 'request')
  })
}
