import { randomUUID } from 'node:crypto'
import { LogController } from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify'
import { lazyChildLoggerFactory } from './lazy-request-logger.ts'

/** The levels at which the info line of each request is written. */
const INFO_LINES = new Set(['trace', 'debug', 'info'])

// A caller's request id is kept only if it is short and plain: it goes into every log line of the request.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/

/** Fastify options for request ids: `X-Request-Id` when acceptable, a fresh UUID otherwise. */
export const requestIdOptions: Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader' | 'logController' | 'childLoggerFactory'> = {
  requestIdHeader: false,
  // Fastify's own two lines per request are replaced by the one line below.
  logController: new LogController({ disableRequestLogging: true }),
  genReqId: (request) => {
    const given = request.headers['x-request-id']
    return typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID()
  },
  childLoggerFactory: lazyChildLoggerFactory,
}

/**
 * One log line per request, with its id, echoed back as `X-Request-Id`. The line names the path without the query
 * string and never headers or bodies, so tokens, cookies and passwords cannot reach the logs through it.
 */
export function installRequestLogging(app: FastifyInstance): void {
  // Callback hooks, not async ones: no promise per request; and no log object at all when info lines are off.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id)
    done(null, payload)
  })
  // No hook at all when the level leaves out info lines (LOG_LEVEL=warn in production, say): the level is set once,
  // at start-up, for the whole process.
  if (!INFO_LINES.has(app.log.level)) return
  app.addHook('onResponse', (request, reply, done) => {
    logRequest(request, reply)
    done()
  })
}

function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const at = request.url.indexOf('?')
  request.log.info({
    method: request.method,
    path: at === -1 ? request.url : request.url.slice(0, at),
    route: request.routeOptions.url,
    status: reply.statusCode,
    ms: Math.round(reply.elapsedTime * 10) / 10,
    ip: request.ip,
  }, 'request')
}
