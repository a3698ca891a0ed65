import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onSendHookHandler, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import { complete } from '../platform/http/field-checks.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { AccountService } from '../accounts/service.ts'
import type { ResetPasswordConfirmBody } from '../accounts/schemas.ts'
import { clearAuthCookies, setAuthCookies } from '../tokens/cookies.ts'
import type { TokenEvents } from '../tokens/events.ts'
import type { TokenService } from '../tokens/service.ts'
import type { Throttle } from '../throttling/throttle.ts'
import { pageDocs } from './docs.ts'
import { attempt, formBody, typedValues } from './forms.ts'
import type { PageRouteConfig } from './forms.ts'
import { safeNext } from './next-path.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, LoginForm, NextQuery, ResetConfirmForm, ResetRequestForm, UidTokenParams } from './schemas.ts'
import type { PageSession } from './session.ts'

type Deps = {
  accounts: AccountService
  tokens: TokenService
  page: PageSession
  render: Render
  form: preValidationHookHandler
  throttle: Throttle
  events: TokenEvents
  config: Config
}

const collect = { attachValidation: true }

/**
 * onSend of the sign-in form: a sign-in refused by its rate limit never reaches the password check, so its
 * `login.failed` event (reason `throttled`, API.md §13) is recorded from the answer, as POST /api/jwt/create/ does.
 */
function recordThrottledLogin(tokens: TokenService): onSendHookHandler {
  return (request, reply, payload, done) => {
    if (reply.statusCode !== 429) return done(null, payload)
    const email = (request.body as Record<string, unknown> | undefined)?.email
    tokens.recordThrottledLogin(requestContext(request), typeof email === 'string' ? email.trim() : null).then(() => done(null, payload), done)
  }
}

/** /login/ and its forgotten-password pages (API.md §14): the services of POST /api/jwt/create/ and /api/users/reset_password*. */
export function loginRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts, tokens, page, render, form, config } = deps
  const { throttle, countOnlyFailedLogins } = deps.throttle

  function loginPage(request: FastifyRequest, reply: FastifyReply, opts: { next: string; reauth: boolean; error?: PageError }) {
    return render(request, reply, 'login', {
      title: 'Sign in', user: page.peek(request)?.user, next: opts.next, reauth: opts.reauth,
      form: { values: opts.error ? typedValues(request) : {}, error: opts.error }, status: opts.error?.status,
    })
  }
  const loginErrorPage: PageRouteConfig = {
    errorPage: (request, reply, error) =>
      loginPage(request, reply, { next: safeNext((request.body as Record<string, unknown> | undefined)?.next), reauth: false, error }),
  }
  const resetErrorPage = (view: string, title: string): PageRouteConfig => ({
    errorPage: (request, reply, error) => {
      const { uid, token } = (request.body ?? {}) as Record<string, unknown>
      return render(request, reply, view, { title, form: { values: typedValues(request), error }, status: error.status, uid, token })
    },
  })

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/login/', { schema: { ...pageDocs.login, querystring: NextQuery } }, async (request, reply) => {
      await page.resolve(request, reply)
      return loginPage(request, reply, { next: safeNext(request.query.next), reauth: request.query.reauth === '1' })
    })

    app.post('/login/', {
      ...collect,
      schema: { ...pageDocs.loginPost, body: LoginForm },
      config: loginErrorPage,
      preValidation: [form],
      preHandler: [throttle({ ip: 'login_ip', login: { field: 'email' } })],
      onSend: [countOnlyFailedLogins('email'), recordThrottledLogin(tokens)],
    }, async (request, reply) => {
      const next = safeNext((request.body as Record<string, unknown>).next)
      const result = await attempt(async () => {
        const body = complete(formBody<{ email: string; password: string }>(request))
        return accounts.checkCredentials(body.email, body.password, page.context(request))
      })
      if (!result.ok) {
        if (result.error.status === 401) deps.events.login('failed')
        return loginPage(request, reply, { next, reauth: false, error: result.error })
      }
      // The second step of §12 slots in here: for a user with MFA, answer the `Code`/`Verify` step (and `Use a
      // passkey`) instead of opening the session, and open it once that step passes.
      const previous = await page.resolve(request, reply)
      // Signing in again (the admin console's re-authentication) replaces this browser's session instead of leaving it.
      if (previous !== null) await tokens.logout(previous, request.cookies.refresh, page.context(request))
      const pair = await tokens.login(result.value, requestContext(request))
      deps.events.login('succeeded')
      deps.events.token('issued')
      setAuthCookies(reply, config.cookies, pair)
      return reply.redirect(next, 303)
    })

    app.post('/logout/', { schema: { ...pageDocs.logout, body: CsrfOnlyForm }, preValidation: [form] }, async (request, reply) => {
      const principal = await page.resolve(request, reply)
      if (principal !== null) await tokens.logout(principal, request.cookies.refresh, page.context(request))
      clearAuthCookies(reply, config.cookies)
      return reply.redirect('/login/?notice=signed-out', 303)
    })

    app.get('/login/reset/', { schema: pageDocs.resetRequest }, async (request, reply) =>
      render(request, reply, 'reset-request', { title: 'Forgot password', form: {} }))

    app.post('/login/reset/', {
      ...collect,
      schema: { ...pageDocs.resetRequestPost, body: ResetRequestForm },
      config: resetErrorPage('reset-request', 'Forgot password'),
      preValidation: [form],
      preHandler: [throttle({ ip: 'reset_password_ip', account: { scope: 'reset_password_account', field: 'email' } })],
    }, async (request, reply) => {
      const result = await attempt(async () => accounts.requestPasswordReset(complete(formBody<{ email: string }>(request)), page.context(request)))
      if (!result.ok) {
        return render(request, reply, 'reset-request', { title: 'Forgot password', form: { values: typedValues(request), error: result.error }, status: 400 })
      }
      return reply.redirect('/login/?notice=reset-sent', 303)
    })

    // The page of the mailed link; uid and token travel in the form, so the per-account limit sees the uid.
    app.get('/login/reset/:uid/:token/', { schema: { ...pageDocs.resetConfirm, params: UidTokenParams } }, async (request, reply) =>
      render(request, reply, 'reset-confirm', { title: 'Choose a new password', uid: request.params.uid, token: request.params.token, form: {} }))

    app.post('/login/reset/confirm/', {
      ...collect,
      schema: { ...pageDocs.resetConfirmPost, body: ResetConfirmForm },
      config: resetErrorPage('reset-confirm', 'Choose a new password'),
      preValidation: [form],
      preHandler: [throttle({ ip: 'reset_password_confirm_ip', account: { scope: 'reset_password_confirm_account', field: 'uid' } })],
    }, async (request, reply) => {
      const result = await attempt(async () => accounts.confirmPasswordReset(complete(formBody<ResetPasswordConfirmBody>(request)), page.context(request)))
      if (result.ok) return reply.redirect('/login/?notice=password-reset', 303)
      const { uid, token } = request.body as Record<string, string>
      return render(request, reply, 'reset-confirm', { title: 'Choose a new password', uid, token, form: { error: result.error }, status: result.error.status })
    })
  }
}
