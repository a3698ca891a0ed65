import { Type } from '@sinclair/typebox'
import { BadRequestJson, DetailJson, NoContent } from '../platform/response-shapes.ts'
import { taggedDocs } from '../platform/openapi.ts'
import { DeliveryJson, WebhookJson, WebhookWithSecretJson } from './schemas.ts'

// What the OpenAPI document says of the webhook routes (API.md §13). Shared answers (401, 415, ...) come from platform/openapi.ts.

const forbidden = DetailJson('Not a site admin.', 'You do not have permission to perform this action.')
const notFound = DetailJson('No such webhook.', 'Not found.')
const badBody = BadRequestJson({ url: ['Enter a public http(s) URL.'], events: ['"user.exploded" is not a valid choice.'] })
const signing = 'Each matching audit event is POSTed as `{"id", "type", "timestamp", "data"}` with the Standard Webhooks headers '
  + '`webhook-id`, `webhook-timestamp`, `webhook-signature` (verify with the `standardwebhooks` libraries); any 2xx within 10 s '
  + 'is delivered, anything else is retried with exponential back-off for 24 hours. URLs must be https and resolve to public addresses.'

export const docs = taggedDocs('webhooks', {
  create: {
    summary: 'Register a webhook',
    description: `Site admins. The signing secret is in this answer only. ${signing}`,
    response: { 201: WebhookWithSecretJson, 400: badBody, 403: forbidden },
  },
  list: { summary: 'List webhooks', description: 'Site admins; by id, without secrets.', response: { 200: Type.Array(WebhookJson), 403: forbidden } },
  get: { summary: 'A webhook', response: { 200: WebhookJson, 403: forbidden, 404: notFound } },
  update: {
    summary: 'Change a webhook',
    description: '`url`, `events`, `description`, each optional; the same checks as at creation.',
    response: { 200: WebhookJson, 400: badBody, 403: forbidden, 404: notFound },
  },
  remove: {
    summary: 'Delete a webhook', description: 'Its queued deliveries go with it.',
    response: { 204: NoContent('Deleted.'), 403: forbidden, 404: notFound },
  },
  rotateSecret: {
    summary: 'Rotate the signing secret',
    description: 'A new secret, shown only in this answer; every later attempt is signed with it.',
    response: { 200: WebhookWithSecretJson, 403: forbidden, 404: notFound },
  },
  deliveries: {
    summary: 'Deliveries of a webhook',
    description: 'The newest 100, with each attempt\'s outcome.',
    response: { 200: Type.Array(DeliveryJson), 403: forbidden, 404: notFound },
  },
})
