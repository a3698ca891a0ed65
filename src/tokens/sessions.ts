import { AppError } from '../platform/errors.ts'
import type { Db } from '../platform/db.ts'
import { amrOf } from './service.ts'
import type { Principal } from './service.ts'
import type { SessionRow, TokenStore } from './store.ts'
import type { AuditRecorder } from '../audit/record.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/** `amr` is listed only for a user with a second factor: one who never enrolled sees §11's sessions exactly (API.md Part two). */
export type SessionView = SessionRow & { current: boolean; listedAmr: readonly string[] | null }

/** The sessions of API.md §11: one per login, listed and revoked by their owner. */
export function createSessionService(deps: {
  db: Db; store: TokenStore; audit: AuditRecorder; hasSecondFactor: (userId: number) => Promise<boolean>
}) {
  const { db, store } = deps
  return {
    async list(principal: Principal): Promise<SessionView[]> {
      const [sessions, showAmr] = await Promise.all([store.listLiveSessions(principal.user.id, Date.now()), deps.hasSecondFactor(principal.user.id)])
      return sessions.map((s) => ({ ...s, current: s.id === principal.claims.sid, listedAmr: showAmr ? amrOf(s.amr) : null }))
    },

    /** Another user's or an unknown session is "not found": ids are not confirmed to exist. */
    async revoke(principal: Principal, sessionId: string, context: RequestContext): Promise<void> {
      const { user } = principal
      const revoked = await db.transaction().execute(async (trx) => {
        if (!await store.revokeSessionOfUser(trx, sessionId, user.id, Date.now())) return false
        await deps.audit.record(trx, {
          type: 'session.revoked', context, userId: user.id, universityId: user.universityId, data: { reason: 'revoked', revoked_session_id: sessionId },
        })
        return true
      })
      if (!revoked) throw AppError.notFound()
    },

    /** When the principal's session began (its login); null for a token that predates sessions. */
    async signedInAt(principal: Principal): Promise<number | null> {
      const { sid } = principal.claims
      if (sid === undefined) return null
      const sessions = await store.listLiveSessions(principal.user.id, Date.now())
      return sessions.find((s) => s.id === sid)?.createdAt ?? null
    },

    /** For a site admin's page of a user (API.md §14): that user's live sessions. */
    listSessionsOf: (userId: number): Promise<SessionRow[]> => store.listLiveSessions(userId, Date.now()),

    /** A site admin revokes one session of a user (the admin is the context's actor); an unknown one is "not found". */
    async revokeSessionOf(user: { id: number; universityId: number | null }, sessionId: string, context: RequestContext): Promise<void> {
      const revoked = await db.transaction().execute(async (trx) => {
        if (!await store.revokeSessionOfUser(trx, sessionId, user.id, Date.now())) return false
        await deps.audit.record(trx, {
          type: 'session.revoked', context, userId: user.id, universityId: user.universityId, data: { reason: 'admin', revoked_session_id: sessionId },
        })
        return true
      })
      if (!revoked) throw AppError.notFound()
    },

    /** POST /api/logout/all/: every session of the user, and the calling token if it predates sessions. */
    async revokeAll(principal: Principal, context: RequestContext): Promise<void> {
      const { claims, user } = principal
      await db.transaction().execute(async (trx) => {
        await store.revokeSessionsOfUser(trx, user.id, Date.now())
        if (claims.sid === undefined) await store.revokeJti(trx, claims.jti, claims.exp * 1000)
        await deps.audit.record(trx, { type: 'session.revoked', context, userId: user.id, universityId: user.universityId, data: { reason: 'logout_all' } })
      })
    },
  }
}

export type SessionService = ReturnType<typeof createSessionService>
