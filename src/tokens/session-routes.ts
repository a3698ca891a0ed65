import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { Config } from '../config.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { clearAuthCookies } from './cookies.ts'
import { docs } from './docs.ts'
import type { Principal } from './service.ts'
import type { SessionService, SessionView } from './sessions.ts'

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
  }
}

const SessionParams = Type.Object({ id: Type.String({ maxLength: 64 }) })

/** GET /api/sessions/, DELETE /api/sessions/{id}/, POST /api/logout/all/. */
export function sessionRoutes(deps: { sessions: SessionService; guard: AuthGuard<Principal>; config: Config }): FastifyPluginAsync {
  const { sessions, guard, config } = deps
  const auth = { auth: true, cookieAuth: ['refresh'] }
  return async (app) => {
    app.get('/sessions/', { config: auth, schema: docs.sessions }, async (request) => (await sessions.list(guard.of(request))).map(toSessionJson))

    app.delete('/sessions/:id/', { config: auth, schema: { ...docs.revokeSession, params: SessionParams } }, async (request, reply) => {
      await sessions.revoke(guard.of(request), (request.params as { id: string }).id)
      return reply.code(204).send()
    })

    app.post('/logout/all/', { config: auth, schema: docs.logoutAll }, async (request, reply) => {
      await sessions.revokeAll(guard.of(request))
      clearAuthCookies(reply, config.cookies)
      return reply.code(204).send()
    })
  }
}
