import type { Selectable } from 'kysely'
import type { Db, OutboxMailsTable } from '../platform/db.ts'
import type { MailMessage } from '../platform/mailer.ts'

export type OutboxMail = Selectable<OutboxMailsTable>

// An id beyond PostgreSQL's integer names no mail; asked for, it would fail the query instead.
const INT32_MAX = 2_147_483_647

/** `onQueued` is told of each mail written to the outbox (for the metrics; counted at the write, before the commit). */
export function createOutboxStore(db: Db, opts: { onQueued?: () => void } = {}) {
  return {
    /** Called inside the transaction of the change that causes the mail, so neither exists without the other. */
    async enqueue(trx: Db, message: MailMessage, now: number): Promise<void> {
      await trx.insertInto('outboxMails').values({
        recipient: message.to, subject: message.subject, textBody: message.text, htmlBody: message.html,
        createdAt: now, attempts: 0, nextAttemptAt: now, claimedUntil: null, sentAt: null, failedAt: null, lastError: null,
      }).execute()
      opts.onQueued?.()
    },

    /**
     * Claims up to `limit` due mails for `leaseMs`: a claim that is not released (a crash mid-send) expires and the
     * mail is sent again, so a mail may be sent twice but never lost. Two instances never hold the same mail.
     */
    async claimDue(now: number, leaseMs: number, limit: number): Promise<OutboxMail[]> {
      const due = db.selectFrom('outboxMails').select('id')
        .where('sentAt', 'is', null).where('failedAt', 'is', null).where('nextAttemptAt', '<=', now)
        .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
        .orderBy('id').limit(limit)
      return db.updateTable('outboxMails').set({ claimedUntil: now + leaseMs })
        .where('id', 'in', due)
        .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
        .returningAll().execute()
    },

    /** Gives back a claim that was never sent (the sender stopped while claiming): due again at once, for any sender. */
    async release(id: number): Promise<void> {
      await db.updateTable('outboxMails').set({ claimedUntil: null }).where('id', '=', id).where('sentAt', 'is', null).execute()
    },

    async markSent(id: number, now: number): Promise<void> {
      await db.updateTable('outboxMails').set({ sentAt: now, claimedUntil: null, lastError: null })
        .where('id', '=', id).execute()
    },

    async markFailedAttempt(id: number, attempts: number, error: string, next: { at: number } | { giveUpAt: number }): Promise<void> {
      await db.updateTable('outboxMails').set({
        attempts, lastError: error.slice(0, 1000), claimedUntil: null,
        ...('at' in next ? { nextAttemptAt: next.at } : { failedAt: next.giveUpAt }),
      }).where('id', '=', id).execute()
    },

    /** For operators: the newest mails first; sent ones only when asked for. */
    async list(opts: { includeSent: boolean; limit: number }): Promise<OutboxMail[]> {
      let query = db.selectFrom('outboxMails').selectAll().orderBy('id', 'desc').limit(opts.limit)
      if (!opts.includeSent) query = query.where('sentAt', 'is', null)
      return query.execute()
    },

    /** For operators: the named mails that exist, by id. */
    async findByIds(ids: readonly number[]): Promise<OutboxMail[]> {
      const storable = ids.filter((id) => Number.isSafeInteger(id) && id >= 1 && id <= INT32_MAX)
      if (storable.length === 0) return []
      return db.selectFrom('outboxMails').selectAll().where('id', 'in', storable).orderBy('id').execute()
    },

    /** Makes mails that were given up due again, with a fresh count of attempts; all of them, or those named. */
    async retryFailed(now: number, ids?: readonly number[]): Promise<number> {
      let query = db.updateTable('outboxMails').set({ failedAt: null, attempts: 0, nextAttemptAt: now, claimedUntil: null })
        .where('failedAt', 'is not', null).where('sentAt', 'is', null)
      if (ids !== undefined) query = query.where('id', 'in', ids)
      const result = await query.executeTakeFirst()
      return Number(result.numUpdatedRows)
    },

    /** The admin dashboard: mails not sent yet, still being tried and given up; one aggregate on the due index. */
    async countUnsent(): Promise<{ pending: number; failed: number }> {
      const row = await db.selectFrom('outboxMails').where('sentAt', 'is', null)
        .select((eb) => [eb.fn.countAll<number | string>().as('unsent'), eb.fn.count<number | string>('failedAt').as('failed')])
        .executeTakeFirstOrThrow()
      return { pending: Number(row.unsent) - Number(row.failed), failed: Number(row.failed) }
    },

    async oldestPendingCreatedAt(): Promise<number | null> {
      const row = await db.selectFrom('outboxMails').select('createdAt')
        .where('sentAt', 'is', null).where('failedAt', 'is', null).orderBy('createdAt').limit(1).executeTakeFirst()
      return row?.createdAt ?? null
    },
  }
}

export type OutboxStore = ReturnType<typeof createOutboxStore>
