import type { FastifyRequest } from 'fastify'

/**
 * Who caused a change and from where, as the audit log records it (API.md §13): the signed-in user and session, the
 * client IP by the rate limits' rule (the socket's peer; X-Forwarded-For only from TRUSTED_PROXIES, which app.ts
 * hands Fastify as `trustProxy`, so `request.ip` is that rule) and the User-Agent.
 */
export type RequestContext = {
  actorId: number | null
  ip: string | null
  userAgent: string | null
  sessionId: string | null
  /** Set by the command line: the operator's command (`users deactivate`), recorded as an `admin.action` event. */
  operatorAction?: string
}

/** What a route knows of its caller: nothing (anonymous), or the principal its guard resolved. */
type Caller = { user: { id: number }; claims?: { sid?: string } } | null

/** The context of a request; `caller` is the principal of a signed-in request, null for an anonymous one. */
export function requestContext(request: FastifyRequest, caller: Caller = null): RequestContext {
  const agent = request.headers['user-agent']
  return {
    actorId: caller?.user.id ?? null,
    ip: request.ip.slice(0, 64),
    userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
    sessionId: caller?.claims?.sid ?? null,
  }
}

/** The context of an operator's command line: no user, no address; the command names itself. */
export function commandLineContext(action: string): RequestContext {
  return { actorId: null, ip: null, userAgent: 'cli', sessionId: null, operatorAction: action }
}

/** Work that no request or operator caused (the periodic jobs). */
export const SYSTEM_CONTEXT: RequestContext = Object.freeze({ actorId: null, ip: null, userAgent: null, sessionId: null })
