import type { FastifyInstance } from 'fastify'

/**
 * Graceful shutdown under keep-alive load. Fastify's close ends the connections that are idle at that instant; a
 * request still in flight then keeps its connection open after its answer, and the server waits for the client to
 * drop it (up to the 72 s keep-alive timeout), so close-with-grace would kill the process mid-shutdown, before the
 * outbox sender stops and the database closes. Every answer given while closing therefore says `Connection: close`:
 * Node ends its connection once the answer is out, and the close completes as soon as the last one is answered.
 */
export function drainConnectionsOnClose(app: FastifyInstance): void {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  // A callback hook, not an async one: no promise per request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
}
