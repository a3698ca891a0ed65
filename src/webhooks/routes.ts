import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { parsedBody } from '../platform/http/field-checks.ts'
import { requestContext } from '../platform/http/request-context.ts'
import { USER_TYPE } from '../accounts/user.ts'
import type { SignedIn } from '../accounts/user.ts'
import { docs } from './docs.ts'
import { WebhookCreateBody, WebhookIdParams, WebhookPatchBody } from './schemas.ts'
import { toDeliveryJson, toWebhookJson, toWebhookWithSecretJson } from './serialize.ts'
import type { WebhookService } from './service.ts'

// Bodies are validated after the 401 and the 403, as DRF checks permissions first.
const collect = { attachValidation: true }

/** A path id that is not a whole number names no webhook. */
function idOf({ id }: { id: string }): number {
  if (!/^\d{1,9}$/.test(id)) throw AppError.notFound()
  return Number(id)
}

const rawBody = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>

/** /api/webhooks/… (API.md §13): site admins only. */
export function webhookRoutes(deps: { webhooks: WebhookService; guard: AuthGuard<SignedIn> }): FastifyPluginAsync {
  const { webhooks, guard } = deps
  const signedIn = [guard.authenticate]
  /** The site admin's context for the audit log, or the 403. */
  const siteAdmin = (request: FastifyRequest) => {
    const principal = guard.of(request)
    if (principal.user.userType !== USER_TYPE.SITE_ADMIN) throw AppError.permissionDenied()
    return requestContext(request, principal)
  }
  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/webhooks/', { preParsing: signedIn, ...collect, schema: { ...docs.create, body: WebhookCreateBody } }, async (request, reply) => {
      const context = siteAdmin(request)
      const { endpoint, secret } = await webhooks.create(parsedBody(request), rawBody(request), context)
      return reply.code(201).send(toWebhookWithSecretJson(endpoint, secret))
    })
    app.get('/webhooks/', { preParsing: signedIn, schema: docs.list }, async (request) => {
      siteAdmin(request)
      return (await webhooks.list()).map(toWebhookJson)
    })
    app.get('/webhooks/:id/', { preParsing: signedIn, schema: { ...docs.get, params: WebhookIdParams } }, async (request) => {
      siteAdmin(request)
      return toWebhookJson(await webhooks.get(idOf(request.params)))
    })
    app.patch('/webhooks/:id/', {
      preParsing: signedIn, ...collect, schema: { ...docs.update, params: WebhookIdParams, body: WebhookPatchBody },
    }, async (request) => {
      const context = siteAdmin(request)
      return toWebhookJson(await webhooks.update(idOf(request.params), parsedBody(request), rawBody(request), context))
    })
    app.delete('/webhooks/:id/', { preParsing: signedIn, schema: { ...docs.remove, params: WebhookIdParams } }, async (request, reply) => {
      const context = siteAdmin(request)
      await webhooks.remove(idOf(request.params), context)
      return reply.code(204).send()
    })
    app.post('/webhooks/:id/rotate-secret/', { preParsing: signedIn, schema: { ...docs.rotateSecret, params: WebhookIdParams } }, async (request) => {
      const context = siteAdmin(request)
      const { endpoint, secret } = await webhooks.rotateSecret(idOf(request.params), context)
      return toWebhookWithSecretJson(endpoint, secret)
    })
    app.get('/webhooks/:id/deliveries/', { preParsing: signedIn, schema: { ...docs.deliveries, params: WebhookIdParams } }, async (request) => {
      siteAdmin(request)
      return (await webhooks.deliveries(idOf(request.params))).map(toDeliveryJson)
    })
  }
}
