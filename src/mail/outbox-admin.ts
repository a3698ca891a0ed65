import { AppError } from '../platform/errors.ts'
import type { OutboxMail, OutboxStore } from './outbox-store.ts'

export type OutboxOverview = { pending: OutboxMail[]; failed: OutboxMail[] }

/**
 * The mail outbox as the admin pages show it (API.md §14), with the CLI's rules (cli/outbox.ts): mails not sent yet,
 * newest first, split into those still being tried and those given up; a given-up mail can be made due again.
 */
export function createOutboxAdmin(deps: { store: OutboxStore; wakeMailer: () => void }) {
  // Date.now(), not the injected clock: the sender compares due times with it.
  const { store } = deps
  return {
    async overview(limit: number): Promise<OutboxOverview> {
      const unsent = await store.list({ includeSent: false, limit })
      return { pending: unsent.filter((m) => m.failedAt === null), failed: unsent.filter((m) => m.failedAt !== null) }
    },

    /** Makes one failed mail due again with a fresh count of attempts; 404 for a mail that is not failed. */
    async retry(id: number): Promise<void> {
      if (await store.retryFailed(Date.now(), [id]) === 0) throw AppError.notFound()
      deps.wakeMailer()
    },
  }
}

export type OutboxAdmin = ReturnType<typeof createOutboxAdmin>
