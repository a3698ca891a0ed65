import type { Selectable } from 'kysely'
import type { Db, WebhookAttemptsTable, WebhookDeliveriesTable, WebhookEndpointsTable } from '../platform/db.ts'

export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>
export type WebhookDelivery = Selectable<WebhookDeliveriesTable>
export type WebhookAttempt = Selectable<WebhookAttemptsTable>
/** A claimed delivery with what sending it needs. */
export type DueDelivery = WebhookDelivery & { url: string; secretSealed: string }

const INT32_MAX = 2_147_483_647
const storableId = (id: number) => Number.isSafeInteger(id) && id >= 1 && id <= INT32_MAX

export function createWebhookStore(db: Db) {
  return {
    async insertEndpoint(trx: Db, row: Omit<WebhookEndpointRow, 'id'>): Promise<WebhookEndpointRow> {
      return trx.insertInto('webhookEndpoints').values(row).returningAll().executeTakeFirstOrThrow()
    },

    async listEndpoints(trx: Db = db): Promise<WebhookEndpointRow[]> {
      return trx.selectFrom('webhookEndpoints').selectAll().orderBy('id').execute()
    },

    async findEndpoint(id: number): Promise<WebhookEndpointRow | undefined> {
      if (!storableId(id)) return undefined
      return db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async updateEndpoint(trx: Db, id: number, patch: Partial<Omit<WebhookEndpointRow, 'id' | 'createdAt'>>): Promise<WebhookEndpointRow | undefined> {
      return trx.updateTable('webhookEndpoints').set(patch).where('id', '=', id).returningAll().executeTakeFirst()
    },

    /** Its deliveries and their attempts go with it (ON DELETE CASCADE). */
    async deleteEndpoint(trx: Db, id: number): Promise<boolean> {
      const result = await trx.deleteFrom('webhookEndpoints').where('id', '=', id).executeTakeFirst()
      return result.numDeletedRows === 1n
    },

    /** Called in the transaction of the audit event (webhooks/queue.ts): the deliveries exist exactly when the event does. */
    async insertDeliveries(trx: Db, rows: { endpointId: number; eventId: string; payload: string; now: number }[]): Promise<void> {
      if (rows.length === 0) return
      await trx.insertInto('webhookDeliveries').values(rows.map((r) => ({
        endpointId: r.endpointId, eventId: r.eventId, payload: r.payload, createdAt: r.now, attempts: 0, nextAttemptAt: r.now,
        claimedUntil: null, deliveredAt: null, failedAt: null, lastStatusCode: null, lastError: null,
      }))).execute()
    },

    /**
     * The mail outbox's claim (mail/outbox-store.ts), for deliveries: due, not settled, unclaimed or lease expired, and
     * of no endpoint in `busyEndpoints` (those already at their concurrency). Two instances never hold the same row.
     */
    async claimDue(now: number, leaseMs: number, limit: number, busyEndpoints: readonly number[]): Promise<DueDelivery[]> {
      let due = db.selectFrom('webhookDeliveries').select('id')
        .where('deliveredAt', 'is', null).where('failedAt', 'is', null).where('nextAttemptAt', '<=', now)
        .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
        .orderBy('nextAttemptAt').orderBy('id').limit(limit)
      if (busyEndpoints.length > 0) due = due.where('endpointId', 'not in', busyEndpoints)
      const claimed = await db.updateTable('webhookDeliveries').set({ claimedUntil: now + leaseMs })
        .where('id', 'in', due)
        .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
        .returningAll().execute()
      if (claimed.length === 0) return []
      const endpoints = await db.selectFrom('webhookEndpoints').select(['id', 'url', 'secretSealed'])
        .where('id', 'in', [...new Set(claimed.map((d) => d.endpointId))]).execute()
      const byId = new Map(endpoints.map((e) => [e.id, e]))
      return claimed.flatMap((d) => {
        const endpoint = byId.get(d.endpointId)
        return endpoint === undefined ? [] : [{ ...d, url: endpoint.url, secretSealed: endpoint.secretSealed }]
      })
    },

    async release(id: number): Promise<void> {
      await db.updateTable('webhookDeliveries').set({ claimedUntil: null }).where('id', '=', id).execute()
    },

    /** One attempt's outcome, and the delivery's next state, together. */
    async settleAttempt(attempt: Omit<WebhookAttempt, 'id'>, next: { deliveredAt: number } | { nextAttemptAt: number } | { failedAt: number },
      attempts: number): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('webhookAttempts').values(attempt).execute()
        await trx.updateTable('webhookDeliveries').set({
          ...next, attempts, claimedUntil: null, lastStatusCode: attempt.statusCode, lastError: attempt.error,
        }).where('id', '=', attempt.deliveryId).execute()
      })
    },

    /** The newest deliveries of an endpoint, with their attempts oldest first. */
    async listDeliveries(endpointId: number, limit: number): Promise<{ delivery: WebhookDelivery; attempts: WebhookAttempt[] }[]> {
      const deliveries = await db.selectFrom('webhookDeliveries').selectAll().where('endpointId', '=', endpointId).orderBy('id', 'desc').limit(limit).execute()
      if (deliveries.length === 0) return []
      const attempts = await db.selectFrom('webhookAttempts').selectAll().where('deliveryId', 'in', deliveries.map((d) => d.id)).orderBy('id').execute()
      return deliveries.map((delivery) => ({ delivery, attempts: attempts.filter((a) => a.deliveryId === delivery.id) }))
    },

    /** Settled deliveries older than `cutoff` (with their attempts): retention, with the audit log's. */
    async pruneSettled(cutoff: number): Promise<number> {
      const result = await db.deleteFrom('webhookDeliveries').where('createdAt', '<', cutoff)
        .where((eb) => eb.or([eb('deliveredAt', 'is not', null), eb('failedAt', 'is not', null)])).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type WebhookStore = ReturnType<typeof createWebhookStore>
