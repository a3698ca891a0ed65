import type { FastifyBaseLogger } from 'fastify'
import type { Mailer } from '../platform/mailer.ts'
import { backoffDelayMs, createOutboxWorker } from '../platform/outbox-worker.ts'
import type { OutboxMail, OutboxStore } from './outbox-store.ts'

export type OutboxSenderOptions = {
  pollIntervalMs: number
  retryBaseMs: number
  maxAttempts: number
  /** How long a claimed mail stays ours before another sender may take it over. */
  leaseMs?: number
}

/** What became of a delivery attempt: for the metrics (`mails_total`). */
export type DeliveryEvent = 'sent' | 'failed' | 'retrying'

/** Exponential backoff, capped at 15 minutes. */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return backoffDelayMs(attempts, baseMs, { capMs: 15 * 60_000 })
}

/**
 * Background delivery of the outbox: polls for due mail, sends it, and reschedules failures with backoff. Mail
 * survives restarts because the table, not this process, is the queue (platform/outbox-worker.ts runs the loop).
 * One mail at a time: one SMTP connection, as before the loop was shared with the webhooks.
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

  async function deliver(mail: OutboxMail): Promise<void> {
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

  return createOutboxWorker<OutboxMail>({
    pollIntervalMs: options.pollIntervalMs,
    leaseMs: options.leaseMs ?? 60_000,
    concurrency: 1,
    claimDue: (now, leaseMs, limit) => store.claimDue(now, leaseMs, limit),
    // A stop that lands while a claim is in flight must not leave the claimed mails to wait out their lease (the
    // shutdown test saw one stay claimed): the worker hands them back here.
    release: (mail) => store.release(mail.id),
    deliver,
    onError: (error) => log.error({ err: error }, 'outbox sender failed; retrying at next poll'),
  })
}

export type OutboxSender = ReturnType<typeof createOutboxSender>
