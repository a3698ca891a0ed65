import type { FastifyCorsOptions, FastifyCorsOptionsDelegateCallback } from '@fastify/cors'

/**
 * API.md §9, as django-cors-headers answers: allowed origins are reflected with credentials on every response,
 * errors included; a preflight (an OPTIONS carrying `Access-Control-Request-Method`) is answered 200 at once.
 * A plain OPTIONS is no preflight: it goes on to the route table, which answers it like DRF (never the plugin's
 * text/plain 400).
 */
export function corsOptions(allowedOrigins: readonly string[]): { delegator: FastifyCorsOptionsDelegateCallback } {
  const options: FastifyCorsOptions = {
    origin: [...allowedOrigins],
    credentials: true,
    methods: ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    allowedHeaders: ['accept', 'authorization', 'content-type', 'user-agent', 'x-csrftoken', 'x-requested-with'],
    maxAge: 86400,
    optionsSuccessStatus: 200,
    strictPreflight: false,
  }
  return {
    delegator: (request, callback) => {
      callback(null, { ...options, preflight: request.headers['access-control-request-method'] !== undefined })
    },
  }
}
