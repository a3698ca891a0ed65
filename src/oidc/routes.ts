import type { IncomingMessage } from 'node:http'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, FastifySchema } from 'fastify'
import type Provider from 'oidc-provider'
import { oidcDocs } from './docs.ts'
import { OIDC_ROUTES } from './provider-config.ts'

type Handler = ReturnType<Provider['callback']>

const fastifyRequests = new WeakMap<IncomingMessage, FastifyRequest>()

/** The Fastify request behind a provider context's raw request (its IP by TRUSTED_PROXIES, its cookies), if any. */
export function fastifyRequestOf(raw: IncomingMessage): FastifyRequest | undefined {
  return fastifyRequests.get(raw)
}

/**
 * The provider's endpoints (API.md §15), each a Fastify route handed to oidc-provider's own Koa handler. The body is
 * never parsed here: oidc-provider reads the raw stream itself (its 56 KiB limit, its errors), so a catch-all content
 * type parser leaves it untouched. Headers our hooks set (request id, Host checks passed) are copied to the raw answer,
 * except CORS: the provider answers CORS for its endpoints by client (clientBasedCORS).
 */
export function oidcProviderRoutes(deps: { provider: () => Promise<Provider> }): FastifyPluginAsync {
  const handlers = new WeakMap<Provider, Handler>()
  async function handOver(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const provider = await deps.provider()
    let handler = handlers.get(provider)
    if (handler === undefined) {
      handler = provider.callback()
      handlers.set(provider, handler)
    }
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && !name.startsWith('access-control-') && name !== 'vary') reply.raw.setHeader(name, value)
    }
    fastifyRequests.set(request.raw, request)
    reply.hijack()
    await handler(request.raw, reply.raw)
  }

  return async (app) => {
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, _payload, done) => { done(null, undefined) })
    const route = (method: 'GET' | 'POST' | ('GET' | 'POST')[], url: string, schema: FastifySchema) => {
      app.route({ method, url, schema, handler: handOver })
    }
    const both: ('GET' | 'POST')[] = ['GET', 'POST']
    route('GET', '/.well-known/openid-configuration', oidcDocs.discovery)
    route('GET', OIDC_ROUTES.jwks, oidcDocs.jwks)
    route(both, OIDC_ROUTES.authorization, oidcDocs.authorization)
    route('GET', `${OIDC_ROUTES.authorization}/:uid`, oidcDocs.resume)
    route('POST', OIDC_ROUTES.token, oidcDocs.token)
    route(both, OIDC_ROUTES.userinfo, oidcDocs.userinfo)
    route('POST', OIDC_ROUTES.revocation, oidcDocs.revocation)
    route('POST', OIDC_ROUTES.introspection, oidcDocs.introspection)
    route(both, OIDC_ROUTES.end_session, oidcDocs.endSession)
    route('POST', `${OIDC_ROUTES.end_session}/confirm`, oidcDocs.endSessionConfirm)
    route('GET', `${OIDC_ROUTES.end_session}/success`, oidcDocs.endSessionSuccess)
  }
}
