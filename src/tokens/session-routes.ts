import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { Config } from '../config.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { clearAuthCookies } from './cookies.ts'
import { docs } from './docs.ts'
import type { Principal } from './service.ts'
import type { SessionService, SessionView } from './sessions.ts'
import { tokenEventHooks } from './events.ts'
import type { TokenEvents } from './events.ts'
import { requestContext } from '../platform/http/request-context.ts'

const iso = (ms: number) => new Date(ms).toISOString()

/** The wire shape of a session (API.md §11). */
function toSessionJson(session: SessionView) {
  return {
    id: session.id,
    created: iso(session.createdAt),
    last_used: iso(session.lastUsedAt),
    ip: session.ip,
    user_agent: session.userAgent,
    current: session.current,
    ...(session.listedAmr === null ? {} : { amr: [...session.listedAmr] }),
  }
}

const SessionParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

/** GET /api/sessions/, DELETE /api/sessions/{id}/, POST /api/logout/all/. */
export function sessionRoutes(deps: { sessions: SessionService; guard: AuthGuard<Principal>; events: TokenEvents; config: Config }): FastifyPluginAsync {
  const { sessions, guard, config } = deps
  // CSRF applies to a request carrying the access or the refresh cookie (API.md §11).
  const signedIn = [guard.authenticate, guard.csrfWhenCookie('refresh')]
  const { revoked } = tokenEventHooks(deps.events)
  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/sessions/', { schema: docs.sessions, preParsing: signedIn }, async (request) => (await sessions.list(guard.of(request))).map(toSessionJson))

    app.delete('/sessions/:id/', {
      schema: { ...docs.revokeSession, params: SessionParams },
      preParsing: signedIn,
      onSend: [revoked],
    }, async (request, reply) => {
      await sessions.revoke(guard.of(request), request.params.id, requestContext(request, guard.of(request)))
      return reply.code(204).send()
    })

    app.post('/logout/all/', { schema: docs.logoutAll, preParsing: signedIn, onSend: [revoked] }, async (request, reply) => {
      await sessions.revokeAll(guard.of(request), requestContext(request, guard.of(request)))
      clearAuthCookies(reply, config.cookies)
      return reply.code(204).send()
    })
  }
}
