import type { FastifyBaseLogger } from 'fastify'
import type { Mailer } from '../platform/mailer.ts'
import type { OutboxStore } from './outbox-store.ts'

export type OutboxSenderOptions = {
  pollIntervalMs: number
  retryBaseMs: number
  maxAttempts: number
  /** How long a claimed mail stays ours before another sender may take it over. */
  leaseMs?: number
  batchSize?: number
}

/** What became of a delivery attempt: for the metrics (`mails_total`). */
export type DeliveryEvent = 'sent' | 'failed' | 'retrying'

/** Exponential backoff, capped at 15 minutes. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 15 * 60_000)
}

/**
 * Background delivery of the outbox: polls for due mail, sends it, and reschedules failures with backoff. Mail
 * survives restarts because the table, not this process, is the queue.
 */
export function createOutboxSender(deps: {
  store: OutboxStore
  mailer: Mailer
  log: FastifyBaseLogger
  options: OutboxSenderOptions
  observe?: (event: DeliveryEvent) => void
}) {
  const { store, mailer, log, options } = deps
  const observe = deps.observe ?? (() => {})
  const leaseMs = options.leaseMs ?? 60_000
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = true
  let lastRunAt = 0

  async function deliverDue(): Promise<void> {
    for (;;) {
      const now = Date.now()
      const batch = await store.claimDue(now, leaseMs, options.batchSize ?? 10)
      for (const mail of batch) {
        try {
          await mailer.send({ id: mail.id, to: mail.recipient, subject: mail.subject, text: mail.textBody, html: mail.htmlBody })
          await store.markSent(mail.id, Date.now())
          observe('sent')
        } catch (error) {
          const attempts = mail.attempts + 1
          const message = error instanceof Error ? error.message : String(error)
          const giveUp = attempts >= options.maxAttempts
          log.warn({ mailId: mail.id, attempts, giveUp, error: message }, 'mail delivery failed')
          await store.markFailedAttempt(mail.id, attempts, message,
            giveUp ? { giveUpAt: Date.now() } : { at: Date.now() + retryDelayMs(attempts, options.retryBaseMs) })
          observe(giveUp ? 'failed' : 'retrying')
        }
      }
      // A stop lets the claimed batch finish (its mails are half-sent otherwise) but takes no new one.
      if (batch.length === 0 || stopped) return
    }
  }

  function run(): void {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    clearTimeout(timer)
    running = deliverDue()
      .catch((error: unknown) => log.error({ err: error }, 'outbox sender failed; retrying at next poll'))
      .finally(() => {
        running = undefined
        lastRunAt = Date.now()
        if (stopped) return
        if (again) {
          again = false
          run()
        } else {
          timer = setTimeout(run, options.pollIntervalMs)
        }
      })
  }

  return {
    start(): void {
      stopped = false
      run()
    },
    /** Called after a transaction that queued mail has committed, so mail goes out without waiting for a poll. */
    wake(): void {
      run()
    },
    /** Stops polling and waits for the mail being sent to finish. */
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(timer)
      await running
    },
    isAlive(now = Date.now()): boolean {
      return !stopped && (running !== undefined || now - lastRunAt < options.pollIntervalMs * 3 + 60_000)
    },
  }
}

export type OutboxSender = ReturnType<typeof createOutboxSender>
