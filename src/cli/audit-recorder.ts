import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import { createAuditRecorder } from '../audit/record.ts'
import type { AuditRecorder } from '../audit/record.ts'
import { createAuditStore } from '../audit/store.ts'

/**
 * The audit log as app.ts builds it, for the operator's commands: their changes are recorded (with an `admin.action`
 * event, API.md §13) in the same transaction, exactly as the service records its own.
 */
export function auditRecorderFor(db: Db, _config: Readonly<Config>): AuditRecorder {
  return createAuditRecorder({ db, store: createAuditStore(db) })
}
