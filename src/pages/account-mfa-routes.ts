import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { PageError } from '../platform/http/error-rendering.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { CodeBody, DisableBody, PasswordBody, RecoveryCodesBody } from '../mfa/schemas.ts'
import type { Throttle } from '../throttling/throttle.ts'
import type { MfaService } from '../mfa/service.ts'
import type { AccountForm, AccountPage } from './account-page.ts'
import type { PageSession } from './session.ts'
import { pageDocs } from './docs.ts'
import { attempt, formBody } from './forms.ts'
import { RecoveryCodesForm, TotpConfirmForm, TotpDisableForm, TotpSetupForm } from './schemas.ts'

type Deps = { accountPage: AccountPage; page: PageSession; mfa: MfaService; form: preValidationHookHandler; throttle: Throttle }

const collect = { attachValidation: true }
/** A base32 TOTP secret as the service makes them (20 bytes: 32 characters); anything else is not shown again. */
const BASE32_SECRET = /^[A-Z2-7]{16,64}$/

/**
 * The two-factor forms of /account/ (API.md §12, §14): TOTP setup, its confirmation, turning it off and new recovery
 * codes, each through the service of its JSON route under /api/mfa/, with that route's rate limits.
 */
export function accountMfaRoutes(deps: Deps): FastifyPluginAsync {
  const { mfa, page, form } = deps
  const { throttle, refundOnSuccess } = deps.throttle
  const { accountPage } = deps
  // As the JSON routes: every form that checks a code or a password counts per IP and per account, and a success
  // gives the account's attempt back (a guessing attacker with a stolen session is slowed, the owner is not).
  const guards = { preValidation: [form], preHandler: [page.signedIn, throttle({ ip: 'mfa_ip', user: 'mfa_account', failuresOnly: ['mfa_account'] })] }
  const errorsOn = (name: AccountForm) => ({
    returnTo: '/account/',
    errorPage: (request: FastifyRequest, reply: FastifyReply, error: PageError) => accountPage(request, reply, { failed: { form: name, error } }),
  })
  const failed = (request: FastifyRequest, reply: FastifyReply, name: AccountForm, error: PageError) =>
    accountPage(request, reply, { failed: { form: name, error } })

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

    // The answer is the page itself, not a redirect: the QR code and the secret are shown in this answer only.
    app.post('/account/mfa/totp/setup/', {
      ...collect, schema: { ...pageDocs.accountPost, body: TotpSetupForm }, config: errorsOn('totp-setup'), ...guards, onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const result = await attempt(() => mfa.setupTotp(page.of(request).user, complete(formBody<PasswordBody>(request)).current_password))
      if (!result.ok) return failed(request, reply, 'totp-setup', result.error)
      return accountPage(request, reply, { extras: { totpSetup: result.value } })
    })

    app.post('/account/mfa/totp/confirm/', {
      ...collect, schema: { ...pageDocs.accountPost, body: TotpConfirmForm }, config: errorsOn('totp-confirm'), ...guards, onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const principal = page.of(request)
      const result = await attempt(() => mfa.confirmTotp(principal, complete(formBody<CodeBody>(request)).code, page.context(request)))
      if (result.ok) return accountPage(request, reply, { extras: { recoveryCodes: result.value } })
      // The QR code again, of the secret this page showed, so a mistyped code needs no new setup.
      const secret = (request.body as { secret?: unknown }).secret
      const totpSetup = typeof secret === 'string' && BASE32_SECRET.test(secret) ? await mfa.enrolment(principal.user, secret) : undefined
      return accountPage(request, reply, { failed: { form: 'totp-confirm', error: result.error }, extras: { totpSetup } })
    })

    app.post('/account/mfa/totp/disable/', {
      ...collect, schema: { ...pageDocs.accountPost, body: TotpDisableForm }, config: errorsOn('totp-disable'), ...guards, onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const result = await attempt(async () => {
        const body = complete(formBody<DisableBody>(request))
        return mfa.disableTotp(page.of(request), body.current_password, body.code, page.context(request))
      })
      if (!result.ok) return failed(request, reply, 'totp-disable', result.error)
      return reply.redirect('/account/?notice=totp-disabled', 303)
    })

    app.post('/account/mfa/recovery-codes/', {
      ...collect, schema: { ...pageDocs.accountPost, body: RecoveryCodesForm }, config: errorsOn('recovery-codes'), ...guards, onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const result = await attempt(async () => {
        const body = complete(formBody<RecoveryCodesBody>(request))
        // A blank Code field is no code (the field is left out of the form when this session needs none).
        const code = body.code === undefined || body.code === '' ? undefined : body.code
        return mfa.regenerateRecoveryCodes(page.of(request), body.current_password, code, page.context(request))
      })
      if (!result.ok) return failed(request, reply, 'recovery-codes', result.error)
      return accountPage(request, reply, { extras: { recoveryCodes: result.value } })
    })
  }
}
