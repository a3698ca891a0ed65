import type { FastifyBaseLogger } from 'fastify'
import { Webhook } from 'standardwebhooks'
import { backoffDelayMs, createOutboxWorker } from '../platform/outbox-worker.ts'
import type { OutboundUrlPolicy } from '../platform/http/public-url.ts'
import type { SealedSecrets } from '../platform/sealed-secrets.ts'
import { DELIVERY_TIMEOUT_MS, postWebhook } from './delivery-http.ts'
import type { DueDelivery, WebhookStore } from './store.ts'

/** API.md §13: retried with exponential back-off for 24 hours, then failed. */
export const RETRY_WINDOW_MS = 24 * 3600_000
/** Deliveries at once, in all; and of one endpoint, so one that hangs until the timeout holds only its own two slots. */
const CONCURRENCY = 16
const PER_ENDPOINT = 2

const isSuccess = (status: number | null) => status !== null && status >= 200 && status < 300

/**
 * The webhook outbox's sender, on the loop the mail outbox uses (platform/outbox-worker.ts). Each attempt is signed
 * anew (Standard Webhooks: the timestamp is the attempt's, the `webhook-id` the event's, so a receiver can dedupe).
 */
export function createWebhookSender(deps: {
  store: WebhookStore
  secrets: SealedSecrets
  policy: OutboundUrlPolicy
  retryBaseMs: number
  log: FastifyBaseLogger
  pollIntervalMs?: number
}) {
  const { store, log } = deps

  function nextState(delivery: DueDelivery, statusCode: number | null, attempts: number, at: number) {
    if (isSuccess(statusCode)) return { deliveredAt: at }
    const deadline = delivery.createdAt + RETRY_WINDOW_MS
    if (at >= deadline) return { failedAt: at }
    return { nextAttemptAt: Math.min(at + backoffDelayMs(attempts, deps.retryBaseMs, { capMs: RETRY_WINDOW_MS, jitter: true }), deadline) }
  }

  async function deliver(delivery: DueDelivery, signal: AbortSignal): Promise<void> {
    const sentAt = new Date()
    // The library signs: `v1,` and base64 of HMAC-SHA256 over `id.timestamp.body` with the whsec_ key.
    const signature = new Webhook(deps.secrets.open(delivery.secretSealed)).sign(delivery.eventId, sentAt, delivery.payload)
    const headers = { 'webhook-id': delivery.eventId, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': signature }
    const outcome = await postWebhook(delivery.url, delivery.payload, headers, deps.policy, signal)
    // Stopped mid-attempt (a shutdown): not the receiver's failure; the next start sends it again.
    if (signal.aborted && outcome.statusCode === null) return store.release(delivery.id)
    const at = Date.now()
    const attempts = delivery.attempts + 1
    const next = nextState(delivery, outcome.statusCode, attempts, at)
    const error = isSuccess(outcome.statusCode) ? null : (outcome.error ?? `answered ${outcome.statusCode}`).slice(0, 1000)
    if (error !== null) log.warn({ deliveryId: delivery.id, endpointId: delivery.endpointId, attempts, error }, 'webhook delivery failed')
    await store.settleAttempt({ deliveryId: delivery.id, at, statusCode: outcome.statusCode, error, durationMs: at - sentAt.getTime() }, next, attempts)
  }

  return createOutboxWorker<DueDelivery>({
    pollIntervalMs: deps.pollIntervalMs ?? 1000,
    // Longer than the 10 s an attempt may last, so a live sender's claim never expires under it; short, so after a
    // crash (kill -9 mid-attempt) the delivery is taken up again within seconds of the restart.
    leaseMs: DELIVERY_TIMEOUT_MS + 5_000,
    concurrency: CONCURRENCY,
    perKeyConcurrency: PER_ENDPOINT,
    keyOf: (delivery) => String(delivery.endpointId),
    claimDue: (now, leaseMs, limit, busy) => store.claimDue(now, leaseMs, limit, busy.map(Number)),
    release: (delivery) => store.release(delivery.id),
    deliver,
    onError: (error) => log.error({ err: error }, 'webhook sender failed; retrying at next poll'),
  })
}
