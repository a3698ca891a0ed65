import type { FastifyPluginAsync, FastifyRequest, onSendHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { validateObject } from '../platform/http/validation.ts'
import { AppError } from '../platform/errors.ts'
import { Body, CharField } from '../platform/http/fields.ts'
import type { createCredentials } from '../accounts/credentials.ts'
import type { User } from '../accounts/user.ts'
import { clearAuthCookies, setAuthCookies } from './cookies.ts'
import { docs } from './docs.ts'
import { LoginBody, LogoutBody, RefreshBody, VerifyBody } from './schemas.ts'
import type { Principal, TokenService } from './service.ts'
import type { Throttle } from '../throttling/throttle.ts'
import { tokenEventHooks } from './events.ts'
import type { TokenEvents } from './events.ts'
import { requestContext } from '../platform/http/request-context.ts'

type Deps = {
  tokens: TokenService
  credentials: ReturnType<typeof createCredentials>
  guard: AuthGuard<Principal>
  throttle: Throttle
  events: TokenEvents
  config: Config
  /**
   * After the right password: returns for a user without a second factor, throws the `mfa_required` 401 (with an
   * mfa_token) for one who has (API.md §12, the second-factors feature).
   */
  challengeAfterPassword: (user: User) => Promise<void>
}

// Built once: jwt/verify/ and jwt/refresh/ check their field on every request.
const TOKEN_FIELDS = { refresh: Body({ refresh: CharField() }), token: Body({ token: CharField() }) }

/**
 * The cookie wins over the body (the original views copy it into the body before validating), so the field is
 * validated after that substitution, with DRF's messages.
 */
function tokenFrom(request: FastifyRequest, cookieName: 'refresh' | 'access', field: 'refresh' | 'token'): string {
  const cookie = request.cookies[cookieName]
  const body = (request.body ?? {}) as Record<string, unknown>
  const merged = cookie ? { ...body, [field]: cookie } : body
  const result = validateObject(TOKEN_FIELDS[field], merged)
  if (!result.ok) throw AppError.fields(result.errors)
  return result.value[field] as string
}

/**
 * onSend of the login route: a login refused by its rate limit never reaches the password check, so its
 * `login.failed` event (reason `throttled`, API.md §13) is recorded here, from the answer.
 */
function recordThrottledLogin(tokens: TokenService): onSendHookHandler {
  return (request, reply, payload, done) => {
    if (reply.statusCode !== 429) return done(null, payload)
    const body = (request.body ?? {}) as Record<string, unknown>
    const email = typeof body.email === 'string' ? body.email.trim() : null
    tokens.recordThrottledLogin(requestContext(request), email).then(() => done(null, payload), done)
  }
}

export function tokenRoutes(deps: Deps): FastifyPluginAsync {
  const { tokens, credentials, guard, config } = deps
  const { throttle, countOnlyFailedLogins, passwordAccepted } = deps.throttle
  const { authenticate, csrfWhenCookie } = guard
  const counted = tokenEventHooks(deps.events)
  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/jwt/create/', {
      schema: { ...docs.login, body: LoginBody },
      preHandler: [throttle({ ip: 'login_ip', login: { field: 'email' } })],
      onSend: [countOnlyFailedLogins('email'), counted.loginAttempt, recordThrottledLogin(tokens)],
    }, async (request, reply) => {
      const body = request.body
      const context = requestContext(request)
      const user = await credentials.checkCredentials(body.email, body.password, context)
      // The password was right: even the `mfa_required` 401 that may follow gives the login attempts back.
      passwordAccepted(request)
      await deps.challengeAfterPassword(user)
      const pair = await tokens.login(user, context)
      setAuthCookies(reply, config.cookies, pair)
      return pair
    })

    app.post('/jwt/refresh/', {
      schema: { ...docs.refresh, body: RefreshBody }, preParsing: [csrfWhenCookie('refresh')], onSend: [counted.refreshed],
    }, async (request, reply) => {
      const result = await tokens.refresh(tokenFrom(request, 'refresh', 'refresh'), requestContext(request))
      setAuthCookies(reply, config.cookies, result)
      return result
    })

    app.post('/jwt/verify/', { schema: { ...docs.verify, body: VerifyBody }, preParsing: [csrfWhenCookie('access')] }, async (request) => {
      await tokens.verify(tokenFrom(request, 'access', 'token'))
      return {}
    })

    app.post('/logout/', {
      schema: { ...docs.logout, body: LogoutBody }, preParsing: [authenticate, csrfWhenCookie('refresh')], onSend: [counted.revoked],
    }, async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>
      const refresh = request.cookies.refresh || (typeof body.refresh === 'string' ? body.refresh : undefined)
      await tokens.logout(guard.of(request), refresh, requestContext(request, guard.of(request)))
      clearAuthCookies(reply, config.cookies)
      return reply.code(204).send()
    })
  }
}
