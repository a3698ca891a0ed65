import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { parsedBody } from '../platform/http/field-checks.ts'
import { requestContext } from '../platform/http/request-context.ts'
import { USER_TYPE } from '../accounts/user.ts'
import type { SignedIn } from '../accounts/user.ts'
import { clientDocs as docs } from './clients-docs.ts'
import { OidcClientCreateBody, OidcClientIdParams, OidcClientPatchBody } from './clients-schemas.ts'
import { toOidcClientJson, toOidcClientWithSecretJson } from './clients-serialize.ts'
import type { OidcClientService } from './clients-service.ts'

// Bodies are validated after the 401 and the 403, as DRF checks permissions first.
const collect = { attachValidation: true }

const rawBody = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>

/** /api/oidc/clients/… (API.md §15): site admins only, as /api/webhooks/. */
export function oidcClientRoutes(deps: { clients: OidcClientService; guard: AuthGuard<SignedIn> }): FastifyPluginAsync {
  const { clients, guard } = deps
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
    app.post('/oidc/clients/', { preParsing: signedIn, ...collect, schema: { ...docs.create, body: OidcClientCreateBody } }, async (request, reply) => {
      const context = siteAdmin(request)
      const { client, secret } = await clients.create(parsedBody(request), rawBody(request), context)
      return reply.code(201).send(toOidcClientWithSecretJson(client, secret))
    })
    app.get('/oidc/clients/', { preParsing: signedIn, schema: docs.list }, async (request) => {
      siteAdmin(request)
      return (await clients.list()).map(toOidcClientJson)
    })
    app.get('/oidc/clients/:client_id/', { preParsing: signedIn, schema: { ...docs.get, params: OidcClientIdParams } }, async (request) => {
      siteAdmin(request)
      return toOidcClientJson(await clients.get(request.params.client_id))
    })
    app.patch('/oidc/clients/:client_id/', {
      preParsing: signedIn, ...collect, schema: { ...docs.update, params: OidcClientIdParams, body: OidcClientPatchBody },
    }, async (request) => {
      const context = siteAdmin(request)
      return toOidcClientJson(await clients.update(request.params.client_id, parsedBody(request), rawBody(request), context))
    })
    app.delete('/oidc/clients/:client_id/', { preParsing: signedIn, schema: { ...docs.remove, params: OidcClientIdParams } }, async (request, reply) => {
      const context = siteAdmin(request)
      await clients.remove(request.params.client_id, context)
      return reply.code(204).send()
    })
    app.post('/oidc/clients/:client_id/rotate-secret/', {
      preParsing: signedIn, schema: { ...docs.rotateSecret, params: OidcClientIdParams },
    }, async (request) => {
      const context = siteAdmin(request)
      const { client, secret } = await clients.rotateSecret(request.params.client_id, context)
      return toOidcClientWithSecretJson(client, secret)
    })
  }
}
