import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import type { PageError } from '../platform/http/error-rendering.ts'
import { Body, CharField, Optional } from '../platform/http/fields.ts'
import type { OidcClientService } from '../oidc/clients-service.ts'
import { pageDocs } from './docs.ts'
import { attempt, formBody, typedValues } from './forms.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, NoticeQuery } from './schemas.ts'
import type { PageSession } from './session.ts'

type Deps = { oidcClients: OidcClientService; page: PageSession; render: Render; form: preValidationHookHandler }

const CSRF = { _csrf: Optional(Type.String({ description: 'the per-browser CSRF token every form carries' })) }

/**
 * The create form of POST /api/oidc/clients/ as a browser sends it without script: the URL lists one per line in a
 * textarea, `first_party` a checkbox (present when ticked). The service checks them as it checks the JSON.
 */
const ClientForm = Body({
  name: CharField({ maxLength: 200 }),
  redirect_uris: Optional(CharField({ allowBlank: true, maxLength: 50_000 })),
  post_logout_redirect_uris: Optional(CharField({ allowBlank: true, maxLength: 50_000 })),
  type: Optional(Type.String({ enum: ['confidential', 'public'] })),
  first_party: Optional(Type.String({ description: 'present (any value) when ticked' })),
  ...CSRF,
})
type ClientForm = { name: string; redirect_uris?: string; post_logout_redirect_uris?: string; type?: string; first_party?: string }
const ClientIdParams = Type.Object({ client_id: Type.String({ maxLength: 64 }) })

/** Fixed messages after a redirect (`?notice=`): nothing typed is echoed through the URL. */
const NOTICES: Record<string, string> = {
  'client-added': 'The client is registered.',
  'client-deleted': 'The client is deleted: its client_id no longer signs anyone in.',
}

/** What the page shows besides the list: a form's error, or a secret this once (the page is `no-store`, security.ts). */
type Extra = { error?: PageError; shown?: { clientId: string; secret: string }; notice?: string }

const lines = (text: string | undefined) => (text ?? '').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')

/**
 * The service's errors of a URL list come per item (`redirect_uris.1`, DRF's ListField): on the page they are one
 * field's messages, each naming the URL it is about, since the textarea has no item of its own to show them by.
 */
function byTextarea(error: PageError, typed: Record<string, string[]>): PageError {
  const fields: Record<string, string[]> = {}
  for (const [key, messages] of Object.entries(error.fields)) {
    const [field = key, index] = key.split('.')
    const uri = index === undefined ? undefined : typed[field]?.[Number(index)]
    fields[field] = [...fields[field] ?? [], ...messages.map((m) => (uri === undefined ? m : `${uri}: ${m}`))]
  }
  return { ...error, fields }
}

/**
 * /admin/oidc-clients/ for site admins (API.md §14, §15): the relying parties, a form to register one (its secret
 * shown once, on the answer of the form), rotate a secret, delete. The service of /api/oidc/clients/ does the work
 * and records `oidc.client_changed` with the signed-in admin as actor (page.context).
 */
export function adminOidcClientRoutes(deps: Deps): FastifyPluginAsync {
  const { oidcClients, page, render, form } = deps
  const siteAdmin = [page.admin, page.siteAdmin]

  async function clientsPage(request: FastifyRequest, reply: FastifyReply, extra: Extra = {}) {
    const { error, shown } = extra
    const notice = extra.notice ?? NOTICES[(request.query as { notice?: string } | undefined)?.notice ?? '']
    return render(request, reply, 'admin/oidc-clients', {
      title: 'OIDC clients', user: page.of(request).user, clients: await oidcClients.list(), wide: true, notice, shown,
      form: { values: error ? typedValues(request) : { type: 'confidential' }, error }, status: error?.status,
    })
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/admin/oidc-clients/', { schema: { ...pageDocs.admin, querystring: NoticeQuery }, preHandler: siteAdmin }, (request, reply) =>
      clientsPage(request, reply))

    app.post('/admin/oidc-clients/', {
      attachValidation: true,
      schema: { ...pageDocs.adminPost, body: ClientForm },
      config: { returnTo: '/admin/oidc-clients/', errorPage: (request, reply, error) => clientsPage(request, reply, { error }) },
      preValidation: [form],
      preHandler: siteAdmin,
    }, async (request, reply) => {
      const parsed = formBody<ClientForm>(request)
      const typed = { redirect_uris: lines(parsed.value.redirect_uris), post_logout_redirect_uris: lines(parsed.value.post_logout_redirect_uris) }
      const raw = { ...typed, type: parsed.value.type ?? 'confidential', first_party: parsed.value.first_party !== undefined }
      const result = await attempt(() => oidcClients.create(parsed, raw, page.context(request)))
      if (!result.ok) return clientsPage(request, reply, { error: byTextarea(result.error, typed) })
      const { client, secret } = result.value
      if (secret === null) return reply.redirect('/admin/oidc-clients/?notice=client-added', 303)
      return clientsPage(request, reply, { shown: { clientId: client.clientId, secret }, notice: NOTICES['client-added'] })
    })

    app.post('/admin/oidc-clients/:client_id/rotate-secret/', {
      schema: { ...pageDocs.adminPost, params: ClientIdParams, body: CsrfOnlyForm },
      config: { returnTo: '/admin/oidc-clients/' },
      preValidation: [form],
      preHandler: siteAdmin,
    }, async (request, reply) => {
      const { client, secret } = await oidcClients.rotateSecret(request.params.client_id, page.context(request))
      return clientsPage(request, reply, { shown: { clientId: client.clientId, secret }, notice: 'The secret is rotated: the old one no longer works.' })
    })

    app.post('/admin/oidc-clients/:client_id/delete/', {
      schema: { ...pageDocs.adminPost, params: ClientIdParams, body: CsrfOnlyForm },
      config: { returnTo: '/admin/oidc-clients/' },
      preValidation: [form],
      preHandler: siteAdmin,
    }, async (request, reply) => {
      await oidcClients.remove(request.params.client_id, page.context(request))
      return reply.redirect('/admin/oidc-clients/?notice=client-deleted', 303)
    })
  }
}
