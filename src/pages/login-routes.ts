import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onSendHookHandler, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import { complete } from '../platform/http/field-checks.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { AccountService } from '../accounts/service.ts'
import type { ResetPasswordConfirmBody } from '../accounts/schemas.ts'
import { AppError } from '../platform/errors.ts'
import type { User } from '../accounts/user.ts'
import type { MfaLogin, SecondFactorLogin, SecondStep } from '../mfa/login.ts'
import { clearAuthCookies, setAuthCookies } from '../tokens/cookies.ts'
import type { TokenEvents } from '../tokens/events.ts'
import type { TokenService } from '../tokens/service.ts'
import type { Throttle } from '../throttling/throttle.ts'
import { pageDocs } from './docs.ts'
import { attempt, credentialOf, formBody, typedValues } from './forms.ts'
import type { PageRouteConfig } from './forms.ts'
import { safeNext } from './next-path.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, LoginForm, MfaForm, NextQuery, PasskeyLoginForm, ResetConfirmForm, ResetRequestForm, UidTokenParams } from './schemas.ts'
import type { PageSession } from './session.ts'

type Deps = {
  accounts: AccountService
  tokens: TokenService
  mfaLogin: MfaLogin
  page: PageSession
  render: Render
  form: preValidationHookHandler
  throttle: Throttle
  events: TokenEvents
  config: Config
}

const collect = { attachValidation: true }
/** API.md §12's answer to any passkey that did not sign in. */
const NOT_RECOGNISED = 'Passkey not recognised.'

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
  const { accounts, tokens, mfaLogin, page, render, form, config } = deps
  const { throttle, countOnlyFailedLogins, passwordAccepted, refundOnSuccess } = deps.throttle

  /** The mfa_token of a user with a second factor (API.md §12's `mfa_required`) and their methods, or null for one without. */
  async function mfaChallenge(user: User): Promise<{ mfaToken: string; methods: string } | null> {
    try {
      await mfaLogin.challengeAfterPassword(user)
      return null
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'MFA_REQUIRED') throw error
      const body = error.body as { mfa_token?: unknown; methods?: unknown }
      return { mfaToken: String(body.mfa_token), methods: Array.isArray(body.methods) ? body.methods.join(',') : '' }
    }
  }
  type MfaStep = { next: string; mfaToken: string; methods: string; error?: PageError }
  /** The second step; `Use a passkey` only for a user with a passkey (`methods` of the first step, carried by the form). */
  function mfaPage(request: FastifyRequest, reply: FastifyReply, opts: MfaStep) {
    return render(request, reply, 'login-mfa', {
      title: 'Two-factor sign-in', next: opts.next, mfaToken: opts.mfaToken, methods: opts.methods, passkey: opts.methods.split(',').includes('webauthn'),
      passkeyScripts: true, form: { error: opts.error }, status: opts.error?.status,
    })
  }
  const mfaFields = (request: FastifyRequest) => {
    const body = (request.body ?? {}) as Record<string, unknown>
    const text = (value: unknown) => (typeof value === 'string' ? value : '')
    return { next: safeNext(body.next), mfaToken: text(body.mfa_token), methods: text(body.methods) }
  }
  const mfaErrorPage: PageRouteConfig = { errorPage: (request, reply, error) => mfaPage(request, reply, { ...mfaFields(request), error }) }
  // mfa_account is the user behind the token, as on POST /api/jwt/create/mfa/: a new password sign-in buys no new guesses.
  const mfaTokenUser = async (request: FastifyRequest) => {
    const live = await mfaLogin.liveUser((request.body as { mfa_token?: unknown } | undefined)?.mfa_token)
    return live === null ? null : String(live.userId)
  }

  /** Opens the session of a finished sign-in and sets the §3 cookies; signing in again replaces this browser's session. */
  async function openSession(request: FastifyRequest, reply: FastifyReply, user: User, next: string, factor?: SecondFactorLogin) {
    const previous = await page.resolve(request, reply)
    if (previous !== null) await tokens.logout(previous, request.cookies.refresh, page.context(request))
    const pair = await tokens.login(user, requestContext(request), factor?.amr, factor?.method)
    deps.events.login('succeeded')
    deps.events.token('issued')
    setAuthCookies(reply, config.cookies, pair)
    return reply.redirect(next, 303)
  }

  function loginPage(request: FastifyRequest, reply: FastifyReply, opts: { next: string; reauth: boolean; error?: PageError }) {
    return render(request, reply, 'login', {
      title: 'Sign in', user: page.peek(request)?.user, next: opts.next, reauth: opts.reauth, passkeyScripts: true,
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
      // The password was right: the second step that may follow gives the sign-in attempts back, as on jwt/create.
      passwordAccepted(request)
      // A user with MFA gets the `Code`/`Verify` step (API.md §12), never a session after the password alone.
      const challenge = await mfaChallenge(result.value)
      if (challenge !== null) return mfaPage(request, reply, { next, ...challenge })
      return openSession(request, reply, result.value, next)
    })

    // The second step: the service of POST /api/jwt/create/mfa/, its rate limits and its one-attempt-per-try token.
    app.post('/login/mfa/', {
      ...collect,
      schema: { ...pageDocs.loginMfa, body: MfaForm },
      config: mfaErrorPage,
      preValidation: [form],
      preHandler: [throttle({ ip: 'mfa_ip', key: { scope: 'mfa_account', of: mfaTokenUser }, failuresOnly: ['mfa_account'] })],
      onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const { next, mfaToken, methods } = mfaFields(request)
      const result = await attempt(async () => {
        const { code, webauthn } = complete(formBody<{ mfa_token: string; code?: string; webauthn?: string }>(request))
        // `Use a passkey` (assets/pages/passkeys.js): the browser's answer, for the same service as the codes.
        if (webauthn !== undefined) return mfaLogin.finish({ mfa_token: mfaToken, webauthn: credentialOf(webauthn) }, requestContext(request))
        if (code === undefined) throw AppError.fields({ code: ['This field is required.'] })
        // One field for both (API.md §14): six digits are a TOTP code, anything else a recovery code (xxxx-xxxx).
        const digits = code.replace(/\s/g, '')
        const step: SecondStep = /^\d{6}$/.test(digits) ? { mfa_token: mfaToken, code: digits } : { mfa_token: mfaToken, recovery_code: code.trim() }
        return mfaLogin.finish(step, requestContext(request))
      })
      if (result.ok) return openSession(request, reply, result.value.user, next, result.value)
      const { error } = result
      // An unknown, expired, used or exhausted token: back to the first step, with §12's message.
      if (error.status === 401 || error.fields.mfa_token !== undefined) {
        return loginPage(request, reply, { next, reauth: false, error: { ...error, status: 401, fields: {} } })
      }
      // A passkey that did not work is said as the passkey login says it (API.md §12), above the form, not at `Code`.
      if (error.fields.webauthn !== undefined) {
        return mfaPage(request, reply, { next, mfaToken, methods, error: { ...error, messages: [NOT_RECOGNISED], fields: {} } })
      }
      const codeErrors = error.fields.code ?? error.fields.recovery_code
      return mfaPage(request, reply, { next, mfaToken, methods, error: codeErrors === undefined ? error : { ...error, fields: { code: codeErrors } } })
    })

    // `Sign in with a passkey` (usernameless): the service of POST /api/webauthn/login/verify/, its per-IP limit, and
    // the same session, cookies and `next` as the password form. Any failure is §12's one message, on the page.
    app.post('/login/passkey/', {
      ...collect,
      schema: { ...pageDocs.loginPasskey, body: PasskeyLoginForm },
      config: loginErrorPage,
      preValidation: [form],
      preHandler: [throttle({ ip: 'mfa_ip' })],
    }, async (request, reply) => {
      const next = safeNext((request.body as Record<string, unknown>).next)
      const result = await attempt(async () => mfaLogin.passkeyLogin(credentialOf(complete(formBody<{ credential: string }>(request)).credential)))
      if (result.ok) return openSession(request, reply, result.value.user, next, result.value)
      deps.events.login('failed')
      return loginPage(request, reply, { next, reauth: false, error: { ...result.error, messages: [NOT_RECOGNISED], fields: {} } })
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
