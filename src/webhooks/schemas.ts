import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { AUDIT_TYPES } from '../audit/event-types.ts'
import { Body, CharField, Optional, UrlField } from '../platform/http/fields.ts'

const Events = Type.Array(Type.String({ enum: ['*', ...AUDIT_TYPES] }), {
  description: 'Event types of API.md §13, or `["*"]` for all; at least one.', minItems: 1,
})

/** `events` is checked by the service (DRF's MultipleChoiceField messages); the schema documents it. */
export const WebhookCreateBody = Body({
  url: UrlField({ maxLength: 2000 }),
  events: Events,
  description: Optional(CharField({ maxLength: 500, allowBlank: true })),
})
export type WebhookCreateBody = Static<typeof WebhookCreateBody>

export const WebhookPatchBody = Body({
  url: Optional(UrlField({ maxLength: 2000 })),
  events: Optional(Events),
  description: Optional(CharField({ maxLength: 500, allowBlank: true })),
})
export type WebhookPatchBody = Static<typeof WebhookPatchBody>

export const WebhookIdParams = Type.Object({ id: Type.String() })

export const WebhookJson = Type.Object({
  id: Type.Integer(),
  url: Type.String({ format: 'uri' }),
  events: Type.Array(Type.String()),
  description: Type.String(),
  created: Type.String({ format: 'date-time' }),
}, { title: 'Webhook' })

export const WebhookWithSecretJson = Type.Object({
  ...WebhookJson.properties,
  secret: Type.String({ description: '`whsec_` and base64: shown only in this answer.', pattern: '^whsec_' }),
}, { title: 'WebhookWithSecret' })

export const DeliveryJson = Type.Object({
  id: Type.Integer(),
  event_id: Type.String(),
  status: Type.String({ enum: ['pending', 'retrying', 'delivered', 'failed'] }),
  attempts: Type.Integer(),
  last_status_code: Type.Union([Type.Integer(), Type.Null()]),
  next_attempt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  delivered: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  history: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time' }),
    status_code: Type.Union([Type.Integer(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    duration_ms: Type.Integer(),
  }), { description: 'Each attempt\'s outcome, oldest first.' }),
}, { title: 'WebhookDelivery' })
