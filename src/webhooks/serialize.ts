import type { WebhookAttempt, WebhookDelivery, WebhookEndpointRow } from './store.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** The wire shape of an endpoint (API.md §13); the secret only where it is shown once (create, rotate-secret). */
export function toWebhookJson(endpoint: WebhookEndpointRow) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: JSON.parse(endpoint.events) as string[],
    description: endpoint.description,
    created: new Date(endpoint.createdAt).toISOString(),
  }
}

export function toWebhookWithSecretJson(endpoint: WebhookEndpointRow, secret: string) {
  return { ...toWebhookJson(endpoint), secret }
}

function statusOf(delivery: WebhookDelivery): string {
  if (delivery.deliveredAt !== null) return 'delivered'
  if (delivery.failedAt !== null) return 'failed'
  return delivery.attempts > 0 ? 'retrying' : 'pending'
}

export function toDeliveryJson({ delivery, attempts }: { delivery: WebhookDelivery; attempts: WebhookAttempt[] }) {
  const settled = delivery.deliveredAt !== null || delivery.failedAt !== null
  return {
    id: delivery.id,
    event_id: delivery.eventId,
    status: statusOf(delivery),
    attempts: delivery.attempts,
    last_status_code: delivery.lastStatusCode,
    next_attempt: settled ? null : iso(delivery.nextAttemptAt),
    delivered: iso(delivery.deliveredAt),
    history: attempts.map((a) => ({ at: new Date(a.at).toISOString(), status_code: a.statusCode, error: a.error, duration_ms: a.durationMs })),
  }
}
