import type { AuditEvent, AuditSubscriber } from '../audit/record.ts'
import { toAuditEventJson } from '../audit/serialize.ts'
import type { Db } from '../platform/db.ts'
import type { WebhookStore } from './store.ts'

/** An endpoint's `events`: the types it asked for, or `["*"]` for all. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.includes('*') || events.includes(type)
}

/** The body POSTed for an event (API.md §13): `{"id", "type", "timestamp", "data": <the audit event>}`. */
export function webhookPayload(event: AuditEvent): string {
  const data = toAuditEventJson({ ...event, data: JSON.stringify(event.data) })
  return JSON.stringify({ id: event.id, type: event.type, timestamp: data.at, data })
}

/**
 * The audit log's subscriber: each event is queued for every endpoint that wants it, in the event's transaction, so
 * a crash after the commit loses nothing (the sender finds the rows at its next poll, after a restart too).
 */
export function createWebhookQueue(deps: { store: WebhookStore; wakeSender: () => void }): AuditSubscriber {
  const { store } = deps
  return async (trx: Db, event: AuditEvent) => {
    const endpoints = (await store.listEndpoints(trx)).filter((e) => subscribes(JSON.parse(e.events) as string[], event.type))
    if (endpoints.length === 0) return
    const payload = webhookPayload(event)
    await store.insertDeliveries(trx, endpoints.map((e) => ({ endpointId: e.id, eventId: event.id, payload, now: event.at })))
    // The transaction commits right after the feature's last statement; the wake comes a moment later so the claim
    // sees the rows (the recorder cannot see the commit itself). The sender's poll is the backstop.
    setTimeout(deps.wakeSender, 20).unref()
  }
}
