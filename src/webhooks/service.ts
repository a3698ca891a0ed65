import { randomBytes } from 'node:crypto'
import type { AuditRecorder } from '../audit/record.ts'
import { isAuditType } from '../audit/event-types.ts'
import type { Db } from '../platform/db.ts'
import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { isAllowedOutboundUrl } from '../platform/http/public-url.ts'
import type { OutboundUrlPolicy } from '../platform/http/public-url.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { SealedSecrets } from '../platform/sealed-secrets.ts'
import type { WebhookCreateBody, WebhookPatchBody } from './schemas.ts'
import type { WebhookEndpointRow, WebhookStore } from './store.ts'

/** Standard Webhooks' secret format: `whsec_` and base64 of 24 random bytes (the standardwebhooks libraries read it). */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`
const PUBLIC_URL = 'Enter a public http(s) URL.'

export type CreatedWebhook = { endpoint: WebhookEndpointRow; secret: string }

/** DRF's MultipleChoiceField over the §13 types and `*`: a non-empty list of known names, duplicates dropped. */
function eventErrors(raw: unknown): { events?: string[]; errors?: string[] } {
  if (!Array.isArray(raw)) {
    const type = raw === null ? 'NoneType' : typeof raw === 'string' ? 'str' : typeof raw === 'number' ? 'int' : typeof raw === 'boolean' ? 'bool' : 'dict'
    return { errors: [`Expected a list of items but got type "${type}".`] }
  }
  if (raw.length === 0) return { errors: ['This selection may not be empty.'] }
  const wrong = raw.filter((e) => typeof e !== 'string' || (e !== '*' && !isAuditType(e)))
  if (wrong.length > 0) return { errors: wrong.map((e) => `"${typeof e === 'string' ? e : JSON.stringify(e)}" is not a valid choice.`) }
  const events = [...new Set(raw as string[])]
  return { events: events.includes('*') ? ['*'] : events }
}

/** Webhook endpoints, managed by site admins (API.md §13); every change is audited as `webhook.changed`. */
export function createWebhookService(deps: { db: Db; store: WebhookStore; secrets: SealedSecrets; policy: OutboundUrlPolicy; audit: AuditRecorder }) {
  const { db, store, secrets, audit } = deps

  async function checkFields(parsed: Parsed<WebhookPatchBody>, raw: Record<string, unknown>, required: boolean): Promise<string[] | undefined> {
    const errors: FieldErrors = parsed.errors
    const url = parsed.value.url
    if (url !== undefined && errors.url === undefined && !await isAllowedOutboundUrl(url, deps.policy)) errors.url = [PUBLIC_URL]
    if (raw.events === undefined) {
      if (required) errors.events = ['This field is required.']
      return undefined
    }
    const checked = eventErrors(raw.events)
    if (checked.errors) errors.events = checked.errors
    return checked.events
  }

  async function existing(id: number): Promise<WebhookEndpointRow> {
    const endpoint = await store.findEndpoint(id)
    if (endpoint === undefined) throw AppError.notFound()
    return endpoint
  }

  function recordChange(trx: Db, context: RequestContext, endpoint: WebhookEndpointRow, change: string) {
    return audit.record(trx, { type: 'webhook.changed', context, data: { webhook_id: endpoint.id, change, events: JSON.parse(endpoint.events) as string[] } })
  }

  return {
    async create(parsed: Parsed<WebhookCreateBody>, raw: Record<string, unknown>, context: RequestContext): Promise<CreatedWebhook> {
      const events = await checkFields(parsed, raw, true)
      const body = complete(parsed)
      const secret = newSecret()
      const now = Date.now()
      const endpoint = await db.transaction().execute(async (trx) => {
        const created = await store.insertEndpoint(trx, {
          url: body.url, events: JSON.stringify(events), description: body.description ?? '', secretSealed: secrets.seal(secret),
          createdAt: now, updatedAt: now,
        })
        await recordChange(trx, context, created, 'created')
        return created
      })
      return { endpoint, secret }
    },

    list: (): Promise<WebhookEndpointRow[]> => store.listEndpoints(),
    get: existing,

    async update(id: number, parsed: Parsed<WebhookPatchBody>, raw: Record<string, unknown>, context: RequestContext): Promise<WebhookEndpointRow> {
      await existing(id)
      const events = await checkFields(parsed, raw, false)
      const body = complete(parsed)
      const patch = {
        ...(body.url !== undefined ? { url: body.url } : {}),
        ...(events !== undefined ? { events: JSON.stringify(events) } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        updatedAt: Date.now(),
      }
      return db.transaction().execute(async (trx) => {
        const updated = await store.updateEndpoint(trx, id, patch)
        if (updated === undefined) throw AppError.notFound()
        await recordChange(trx, context, updated, 'updated')
        return updated
      })
    },

    async remove(id: number, context: RequestContext): Promise<void> {
      const endpoint = await existing(id)
      await db.transaction().execute(async (trx) => {
        if (!await store.deleteEndpoint(trx, id)) throw AppError.notFound()
        await recordChange(trx, context, endpoint, 'deleted')
      })
    },

    /** A new secret, shown once; deliveries still queued are signed with it from their next attempt. */
    async rotateSecret(id: number, context: RequestContext): Promise<CreatedWebhook> {
      await existing(id)
      const secret = newSecret()
      const endpoint = await db.transaction().execute(async (trx) => {
        const updated = await store.updateEndpoint(trx, id, { secretSealed: secrets.seal(secret), updatedAt: Date.now() })
        if (updated === undefined) throw AppError.notFound()
        await recordChange(trx, context, updated, 'secret_rotated')
        return updated
      })
      return { endpoint, secret }
    },

    async deliveries(id: number) {
      await existing(id)
      return store.listDeliveries(id, 100)
    },
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
