import type { AuditEventRow } from './store.ts'

/** The wire shape of an event (API.md §13). */
export function toAuditEventJson(event: AuditEventRow) {
  return {
    id: event.id,
    at: new Date(event.at).toISOString(),
    type: event.type,
    actor_id: event.actorId,
    user_id: event.userId,
    university_id: event.universityId,
    ip: event.ip,
    user_agent: event.userAgent,
    session_id: event.sessionId,
    data: JSON.parse(event.data) as Record<string, unknown>,
  }
}

/**
 * An event of the caller's own history (GET /api/users/me/activity/). What someone else did to the account (an admin's
 * approval, a deletion of faculty) shows what happened and when, but not who, from where, or its details: those are the
 * other person's (API.md §13: without `actor_id` and `data` of other users' actions).
 */
export function toActivityJson(event: AuditEventRow, callerId: number) {
  const json = toAuditEventJson(event)
  if (event.actorId === null || event.actorId === callerId) return json
  return { ...json, actor_id: null, ip: null, user_agent: null, session_id: null, data: {} }
}

export type AuditEventJson = ReturnType<typeof toAuditEventJson>

/** A page: `next` is the URL of the following (older) page, or null on the last. */
export function toPageJson(results: AuditEventJson[], next: string | null) {
  return { results, next }
}
