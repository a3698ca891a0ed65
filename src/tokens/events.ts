import type { onSendHookHandler } from 'fastify'

/** What the service counts of logins and tokens (the metrics of platform/metrics.ts, API.md §11). */
export type TokenEvents = {
  login(result: 'succeeded' | 'failed'): void
  token(event: 'issued' | 'refreshed' | 'revoked'): void
}

function onAnswer(observe: (status: number) => void): onSendHookHandler {
  // A callback hook, not an async one: no promise per request.
  return (_request, reply, payload, done) => {
    observe(reply.statusCode)
    done(null, payload)
  }
}

/** onSend hooks of the token and session routes: each route says which of its answers is which event. */
export function tokenEventHooks(events: TokenEvents) {
  return {
    /** Every answer of POST /api/jwt/create/ is a login attempt; its 200 issues a token pair. */
    loginAttempt: onAnswer((status) => {
      events.login(status === 200 ? 'succeeded' : 'failed')
      if (status === 200) events.token('issued')
    }),
    refreshed: onAnswer((status) => {
      if (status === 200) events.token('refreshed')
    }),
    revoked: onAnswer((status) => {
      if (status === 204) events.token('revoked')
    }),
  }
}
