import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { PageError } from '../platform/http/error-rendering.ts'
import { parsedBody } from '../platform/http/field-checks.ts'
import type { WebhookCreateBody } from '../webhooks/schemas.ts'
import { toDeliveryJson } from '../webhooks/serialize.ts'
import type { WebhookService } from '../webhooks/service.ts'
import { idOf } from './admin-routes.ts'
import { pageDocs } from './docs.ts'
import { attempt, typedValues } from './forms.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, IdParams, NoticeQuery, WEBHOOK_EVENT_CHOICES, WebhookForm } from './schemas.ts'
import type { PageSession } from './session.ts'

/** An endpoint as the service returns it (its store's row type stays the store's). */
type WebhookEndpointRow = Awaited<ReturnType<WebhookService['get']>>

type Deps = { webhooks: WebhookService; page: PageSession; render: Render; form: preValidationHookHandler }

/** An endpoint as the pages show it. */
const endpointView = (e: WebhookEndpointRow) => ({ ...e, events: JSON.parse(e.events) as string[] })

/** The event type of a queued delivery, from the payload it will POST (`{"id", "type", …}`, webhooks/queue.ts). */
function eventTypeOf(payload: string): string {
  try {
    const type = (JSON.parse(payload) as { type?: unknown }).type
    return typeof type === 'string' ? type : '—'
  } catch {
    return '—'
  }
}

/**
 * /admin/webhooks/ for site admins (API.md §13, §14): the endpoints, creating one (its secret shown once, on the
 * answer of the POST: never in a URL), deleting one, rotating its secret, and an endpoint's recent deliveries. Each
 * action is the webhook service of /api/webhooks/, which records `webhook.changed` with the admin as actor.
 */
export function adminWebhookRoutes(deps: Deps): FastifyPluginAsync {
  const { webhooks, page, render, form } = deps
  const siteAdmin = [page.admin, page.siteAdmin]

  async function listPage(request: FastifyRequest, reply: FastifyReply, state: { values?: Record<string, string>; error?: PageError } = {}) {
    const endpoints = (await webhooks.list()).map(endpointView)
    return render(request, reply, 'admin/webhooks', {
      title: 'Webhooks', user: page.of(request).user, endpoints, choices: WEBHOOK_EVENT_CHOICES, form: state, wide: true,
      status: state.error?.status,
    })
  }

  async function endpointPage(request: FastifyRequest, reply: FastifyReply, id: number, secret?: { value: string; notice: string }) {
    const [endpoint, deliveries] = await Promise.all([webhooks.get(id), webhooks.deliveries(id)])
    const rows = deliveries.map((d) => ({
      ...toDeliveryJson(d), type: eventTypeOf(d.delivery.payload), createdAt: d.delivery.createdAt,
      deliveredAt: d.delivery.deliveredAt, nextAttemptAt: d.delivery.nextAttemptAt,
    }))
    return render(request, reply, 'admin/webhook', {
      title: endpoint.url, user: page.of(request).user, endpoint: endpointView(endpoint), deliveries: rows, secret, wide: true,
    })
  }

  const action = (returnTo: string) => ({ config: { returnTo }, preValidation: [form], preHandler: siteAdmin })

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/admin/webhooks/', { schema: { ...pageDocs.adminWebhooks, querystring: NoticeQuery }, preHandler: siteAdmin }, async (request, reply) =>
      listPage(request, reply))

    app.post('/admin/webhooks/', {
      ...action('/admin/webhooks/'), attachValidation: true,
      schema: { ...pageDocs.adminWebhookSecret, body: WebhookForm },
    }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      // The checked boxes are the `events` list of POST /api/webhooks/ (its service checks them, with its messages).
      const events = WEBHOOK_EVENT_CHOICES.filter((type) => body[`event:${type}`] !== undefined)
      const raw = { url: body.url, description: body.description, events }
      const result = await attempt(async () => {
        const parsed = parsedBody<WebhookCreateBody>(request)
        return webhooks.create({ value: { ...parsed.value, events }, errors: parsed.errors }, raw, page.context(request))
      })
      if (!result.ok) return listPage(request, reply, { values: typedValues(request), error: result.error })
      const { endpoint, secret } = result.value
      return endpointPage(request, reply, endpoint.id, { value: secret, notice: 'The endpoint is created.' })
    })

    app.get('/admin/webhooks/:id/', { schema: { ...pageDocs.adminWebhooks, params: IdParams, querystring: NoticeQuery }, preHandler: siteAdmin },
      async (request, reply) => endpointPage(request, reply, idOf(request.params.id)))

    app.post('/admin/webhooks/:id/rotate-secret/', {
      ...action('/admin/webhooks/'), schema: { ...pageDocs.adminWebhookSecret, params: IdParams, body: CsrfOnlyForm },
    }, async (request, reply) => {
      const { endpoint, secret } = await webhooks.rotateSecret(idOf(request.params.id), page.context(request))
      return endpointPage(request, reply, endpoint.id, { value: secret, notice: 'The secret is replaced; the old one no longer signs deliveries.' })
    })

    app.post('/admin/webhooks/:id/delete/', {
      ...action('/admin/webhooks/'), schema: { ...pageDocs.adminPost, params: IdParams, body: CsrfOnlyForm },
    }, async (request, reply) => {
      await webhooks.remove(idOf(request.params.id), page.context(request))
      return reply.redirect('/admin/webhooks/?notice=webhook-deleted', 303)
    })
  }
}
