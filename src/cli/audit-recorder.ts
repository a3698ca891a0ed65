import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import { createAuditRecorder } from '../audit/record.ts'
import type { AuditRecorder } from '../audit/record.ts'
import { createAuditStore } from '../audit/store.ts'
import { createWebhookQueue } from '../webhooks/queue.ts'
import { createWebhookStore } from '../webhooks/store.ts'

/**
 * The audit log as app.ts builds it, for the operator's commands: their changes are recorded (with an `admin.action`
 * event, API.md §13) in the same transaction, and queued for the webhooks, which the running service delivers.
 */
export function auditRecorderFor(db: Db, _config: Readonly<Config>): AuditRecorder {
  const queue = createWebhookQueue({ store: createWebhookStore(db), wakeSender: () => {} })
  return createAuditRecorder({ db, store: createAuditStore(db), subscribers: [queue] })
}
