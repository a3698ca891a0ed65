import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { PageError } from '../platform/http/error-rendering.ts'
import { complete } from '../platform/http/field-checks.ts'
import { AppError } from '../platform/errors.ts'
import type { PasswordBody, RenameBody } from '../mfa/schemas.ts'
import { pathId } from '../mfa/serialize.ts'
import type { Throttle } from '../throttling/throttle.ts'
import type { Passkeys } from '../mfa/passkeys.ts'
import type { AccountForm, AccountPage } from './account-page.ts'
import type { PageSession } from './session.ts'
import { pageDocs } from './docs.ts'
import { attempt, credentialOf, formBody } from './forms.ts'
import { CsrfOnlyForm, IdParams, PasskeyAddForm, PasskeyRemoveForm, PasskeyRenameForm } from './schemas.ts'

type Deps = { accountPage: AccountPage; page: PageSession; passkeys: Passkeys; form: preValidationHookHandler; throttle: Throttle }

const collect = { attachValidation: true }

/** A passkey id of the path; an id that names nothing is the service's 404, as on /api/webauthn/credentials/{id}/. */
function idOf(raw: string): number {
  const id = pathId(raw)
  if (id === null) throw AppError.notFound()
  return id
}

/**
 * The passkeys of /account/ (API.md §12, §14): add (the browser's ceremony, assets/pages/passkeys.js), rename and
 * remove, through the service of /api/webauthn/register/… and /api/webauthn/credentials/, with those routes' limits.
 */
export function accountPasskeyRoutes(deps: Deps): FastifyPluginAsync {
  const { passkeys, page, form } = deps
  const { throttle, refundOnSuccess } = deps.throttle
  const { accountPage } = deps
  const failed = (request: FastifyRequest, reply: FastifyReply, name: AccountForm, error: PageError) => {
    // Another user's or an unknown passkey has no form on this page to show it in: the 404 page, as the API's 404.
    if (error.status === 404) throw AppError.notFound()
    return accountPage(request, reply, { failed: { form: name, error } })
  }
  const errorsOn = (name: (request: FastifyRequest) => AccountForm) => ({
    returnTo: '/account/',
    errorPage: (request: FastifyRequest, reply: FastifyReply, error: PageError) => failed(request, reply, name(request), error),
  })
  const idParam = (request: FastifyRequest) => Number(pathId((request.params as { id: string }).id) ?? 0)
  const signedIn = [page.signedIn]
  // A ceremony writes a challenge row and checks a signature: limited per IP as on /api/webauthn/register/verify/.
  const perIp = throttle({ ip: 'mfa_ip' })

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

    // JSON for the passkey script: the options of POST /api/webauthn/register/options/, for the page's own session
    // (renewed from the refresh cookie as every page does, where the API's five-minute access cookie may be stale).
    app.post('/account/passkeys/options/', {
      schema: { ...pageDocs.passkeyOptions, body: CsrfOnlyForm }, preValidation: [form], preHandler: signedIn,
    }, async (request) => passkeys.registrationOptions(page.of(request)))

    app.post('/account/passkeys/', {
      ...collect, schema: { ...pageDocs.accountPost, body: PasskeyAddForm }, config: errorsOn(() => 'passkey-add'),
      preValidation: [form], preHandler: [...signedIn, perIp],
    }, async (request, reply) => {
      const result = await attempt(async () => {
        const body = complete(formBody<{ credential: string; name?: string }>(request))
        const name = body.name === undefined || body.name === '' ? 'Passkey' : body.name
        return passkeys.register(page.of(request), credentialOf(body.credential), name, page.context(request))
      })
      if (!result.ok) return failed(request, reply, 'passkey-add', result.error)
      // The first factor's recovery codes are shown in this answer only; otherwise back to the page.
      if (result.value.recoveryCodes.length > 0) return accountPage(request, reply, { extras: { recoveryCodes: result.value.recoveryCodes } })
      return reply.redirect('/account/?notice=passkey-added', 303)
    })

    app.post('/account/passkeys/:id/rename/', {
      ...collect, schema: { ...pageDocs.accountPost, params: IdParams, body: PasskeyRenameForm },
      config: errorsOn((request) => `passkey-rename-${idParam(request)}`), preValidation: [form], preHandler: signedIn,
    }, async (request, reply) => {
      const result = await attempt(async () =>
        passkeys.rename(page.of(request), idOf(request.params.id), complete(formBody<RenameBody>(request)).name))
      if (!result.ok) return failed(request, reply, `passkey-rename-${idParam(request)}`, result.error)
      return reply.redirect('/account/?notice=passkey-renamed', 303)
    })

    app.post('/account/passkeys/:id/remove/', {
      ...collect, schema: { ...pageDocs.accountPost, params: IdParams, body: PasskeyRemoveForm },
      config: errorsOn((request) => `passkey-remove-${idParam(request)}`), preValidation: [form],
      preHandler: [...signedIn, throttle({ ip: 'mfa_ip', user: 'mfa_account', failuresOnly: ['mfa_account'] })], onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const result = await attempt(async () => {
        const body = complete(formBody<PasswordBody>(request))
        return passkeys.remove(page.of(request), idOf(request.params.id), body.current_password, page.context(request))
      })
      if (!result.ok) return failed(request, reply, `passkey-remove-${idParam(request)}`, result.error)
      return reply.redirect('/account/?notice=passkey-removed', 303)
    })
  }
}
