import { AppError } from '../platform/errors.ts'
import type { Db } from '../platform/db.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { AuditRecorder } from '../audit/record.ts'
import { createOutboxStore } from './outbox-store.ts'
import type { OutboxMail, OutboxStore } from './outbox-store.ts'

export type OutboxOverview = { pending: OutboxMail[]; failed: OutboxMail[] }

/**
 * The mail outbox as the admin pages show it (API.md §14), with the CLI's rules (cli/outbox.ts): mails not sent yet,
 * newest first, split into those still being tried and those given up; a given-up mail can be made due again.
 */
export function createOutboxAdmin(deps: { db: Db; store: OutboxStore; audit: AuditRecorder; wakeMailer: () => void }) {
  // Date.now(), not the injected clock: the sender compares due times with it.
  const { db, store } = deps
  return {
    async overview(limit: number): Promise<OutboxOverview> {
      const unsent = await store.list({ includeSent: false, limit })
      return { pending: unsent.filter((m) => m.failedAt === null), failed: unsent.filter((m) => m.failedAt !== null) }
    },

    /** The admin dashboard's counts of the same mails, without reading them. */
    counts: () => store.countUnsent(),

    /**
     * Makes one failed mail due again with a fresh count of attempts; 404 for a mail that is not failed. The admin's
     * action is recorded with it (API.md §13 `admin.action`, as the CLI's `outbox retry`), in the same transaction.
     */
    async retry(id: number, context: RequestContext): Promise<void> {
      const retried = await db.transaction().execute(async (trx) => {
        if (await createOutboxStore(trx).retryFailed(Date.now(), [id]) === 0) return false
        await deps.audit.record(trx, { type: 'admin.action', context, data: { action: 'outbox retry', target: `mail ${id}` } })
        return true
      })
      if (!retried) throw AppError.notFound()
      deps.wakeMailer()
    },
  }
}

export type OutboxAdmin = ReturnType<typeof createOutboxAdmin>
