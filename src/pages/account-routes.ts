import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import type { AccountService } from '../accounts/service.ts'
import type { OptionalCurrentPasswordBody, ProfileBody, ResetEmailConfirmBody, SetPasswordBody } from '../accounts/schemas.ts'
import { clearAuthCookies, setAuthCookies } from '../tokens/cookies.ts'
import type { TokenService } from '../tokens/service.ts'
import type { SessionService } from '../tokens/sessions.ts'
import type { Throttle } from '../throttling/throttle.ts'
import { pageDocs } from './docs.ts'
import type { AccountForm, AccountPage } from './account-page.ts'
import { attempt, formBody, typedValues } from './forms.ts'
import type { Render } from './render.ts'
import type { PageSession } from './session.ts'
import {
  CsrfOnlyForm, DeleteAccountForm, EmailResetConfirmForm, IdParams, NoticeQuery, PasswordForm, ProfileForm, UidTokenParams,
} from './schemas.ts'

type Deps = {
  accountPage: AccountPage
  page: PageSession
  render: Render
  accounts: AccountService
  tokens: TokenService
  sessions: SessionService
  form: preValidationHookHandler
  throttle: Throttle
  config: Config
}

/** The mailed link's uid and token, carried by the form's hidden fields. */
function linkOf(request: FastifyRequest): { uid: string; token: string } {
  const body = (request.body ?? {}) as Record<string, unknown>
  const text = (value: unknown) => (typeof value === 'string' ? value : '')
  return { uid: text(body.uid), token: text(body.token) }
}

const collect = { attachValidation: true }

/** /account/ (API.md §14): the signed-in user's console over the services of /api/users/me/, set_password, sessions. */
export function accountPageRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts, tokens, sessions, page, render, form, config } = deps
  const { throttle } = deps.throttle
  const { accountPage } = deps
  const failedWith = (request: FastifyRequest, reply: FastifyReply, failed: { form: AccountForm; error: PageError }) =>
    accountPage(request, reply, { failed })

  const errorsOn = (name: AccountForm) => ({
    returnTo: '/account/',
    errorPage: (request: FastifyRequest, reply: FastifyReply, error: PageError) => failedWith(request, reply, { form: name, error }),
  })
  const signedIn = [page.signedIn]

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/account/', { schema: { ...pageDocs.account, querystring: NoticeQuery }, preHandler: signedIn }, (request, reply) => accountPage(request, reply))

    app.post('/account/profile/', {
      ...collect, schema: { ...pageDocs.accountPost, body: ProfileForm }, config: errorsOn('profile'), preValidation: [form], preHandler: signedIn,
    }, async (request, reply) => {
      const result = await attempt(() => accounts.updateMe(page.of(request).user, formBody<ProfileBody>(request), page.context(request)))
      if (!result.ok) return failedWith(request, reply, { form: 'profile', error: result.error })
      return reply.redirect('/account/?notice=profile', 303)
    })

    app.post('/account/password/', {
      ...collect,
      schema: { ...pageDocs.accountPost, body: PasswordForm },
      config: errorsOn('password'),
      preValidation: [form],
      preHandler: [...signedIn, throttle({ ip: 'set_password_ip', user: 'set_password_account' })],
    }, async (request, reply) => {
      const { user } = page.of(request)
      const result = await attempt(() => accounts.setPassword(user, formBody<SetPasswordBody>(request), page.context(request)))
      if (!result.ok) return failedWith(request, reply, { form: 'password', error: result.error })
      // The change ended every session, this one too (API.md §11); this browser, which just proved the password,
      // gets a new one, as Django keeps the session of the user who changed it.
      setAuthCookies(reply, config.cookies, await tokens.login(user, page.context(request)))
      return reply.redirect('/account/?notice=password', 303)
    })

    // Change of email by mail (API.md §4 reset_email): a link to the current address, whose page takes the new one.
    app.post('/account/email/', {
      schema: { ...pageDocs.accountPost, body: CsrfOnlyForm },
      config: errorsOn('email'),
      preValidation: [form],
      preHandler: [...signedIn, throttle({ ip: 'reset_email_ip', user: 'reset_email_account' })],
    }, async (request, reply) => {
      await accounts.requestEmailReset({ email: page.of(request).user.email })
      return reply.redirect('/account/?notice=email-link', 303)
    })

    app.get('/account/email/:uid/:token/', { schema: { ...pageDocs.emailResetConfirm, params: UidTokenParams } }, async (request, reply) =>
      render(request, reply, 'email-confirm', { title: 'Change email', uid: request.params.uid, token: request.params.token, form: {} }))

    app.post('/account/email/confirm/', {
      ...collect,
      schema: { ...pageDocs.emailResetConfirmPost, body: EmailResetConfirmForm },
      config: {
        errorPage: (request, reply, error) => render(request, reply, 'email-confirm', {
          title: 'Change email', ...linkOf(request), form: { values: typedValues(request), error }, status: error.status,
        }),
      },
      preValidation: [form],
      preHandler: [throttle({ ip: 'reset_email_confirm_ip', account: { scope: 'reset_email_confirm_account', field: 'uid' } })],
    }, async (request, reply) => {
      const result = await attempt(() => accounts.confirmEmailReset(formBody<ResetEmailConfirmBody>(request), page.context(request)))
      if (!result.ok) {
        const form = { values: typedValues(request), error: result.error }
        return render(request, reply, 'email-confirm', { title: 'Change email', ...linkOf(request), form, status: result.error.status })
      }
      clearAuthCookies(reply, config.cookies)
      return reply.redirect('/login/?notice=email-changed', 303)
    })

    app.post('/account/sessions/:id/revoke/', {
      schema: { ...pageDocs.accountPost, params: IdParams, body: CsrfOnlyForm }, config: errorsOn('sessions'), preValidation: [form], preHandler: signedIn,
    }, async (request, reply) => {
      const principal = page.of(request)
      await sessions.revoke(principal, request.params.id, page.context(request))
      if (request.params.id !== principal.claims.sid) return reply.redirect('/account/?notice=session-revoked', 303)
      clearAuthCookies(reply, config.cookies)
      return reply.redirect('/login/?notice=signed-out', 303)
    })

    app.post('/account/sessions/revoke-all/', {
      schema: { ...pageDocs.accountPost, body: CsrfOnlyForm }, config: errorsOn('sessions'), preValidation: [form], preHandler: signedIn,
    }, async (request, reply) => {
      await sessions.revokeAll(page.of(request), page.context(request))
      clearAuthCookies(reply, config.cookies)
      return reply.redirect('/login/?notice=signed-out-everywhere', 303)
    })

    app.post('/account/delete/', {
      ...collect, schema: { ...pageDocs.accountPost, body: DeleteAccountForm }, config: errorsOn('delete'), preValidation: [form], preHandler: signedIn,
    }, async (request, reply) => {
      const result = await attempt(() => accounts.deleteMe(page.of(request).user, formBody<OptionalCurrentPasswordBody>(request), page.context(request)))
      if (!result.ok) return failedWith(request, reply, { form: 'delete', error: result.error })
      clearAuthCookies(reply, config.cookies)
      return reply.redirect('/login/?notice=deleted', 303)
    })
  }
}

