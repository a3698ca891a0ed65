import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from '../config.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { USER_TYPE } from '../accounts/user.ts'
import type { User } from '../accounts/user.ts'
import type { Throttle } from '../throttling/throttle.ts'
import { setAuthCookies } from '../tokens/cookies.ts'
import { tokenEventHooks } from '../tokens/events.ts'
import type { TokenEvents } from '../tokens/events.ts'
import { docs } from './docs.ts'
import type { MfaLogin, SecondFactorLogin, SecondStep } from './login.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { LoginMethod } from '../tokens/service.ts'
import type { MfaReset } from './reset.ts'
import { CodeBody, DisableBody, IdParams, PasswordBody, RecoveryCodesBody, SecondStepBody } from './schemas.ts'
import { pathId } from './serialize.ts'
import type { MfaPrincipal, MfaService } from './service.ts'

/** What the routes of API.md §12 are given: the stories, and the tokens feature's login (a new session with its `amr`). */
export type MfaRouteDeps = {
  mfa: MfaService
  login: MfaLogin
  reset: MfaReset
  guard: AuthGuard<MfaPrincipal>
  throttle: Throttle
  /** Opens the session and records the login's one `login.succeeded` (API.md §13), with its `amr` and method. */
  openSession: (user: User, context: RequestContext, amr: readonly string[], method: LoginMethod) => Promise<{ access: string; refresh: string }>
  findUser: (id: number) => Promise<User | undefined>
  events: TokenEvents
  cookies: Config['cookies']
}

/** The tokens of a finished login, answered as POST /api/jwt/create/ answers them (body and cookies). */
export async function answerLogin(deps: MfaRouteDeps, request: FastifyRequest, reply: FastifyReply, login: SecondFactorLogin) {
  const pair = await deps.openSession(login.user, requestContext(request), login.amr, login.method)
  setAuthCookies(reply, deps.cookies, pair)
  return pair
}

/** Exactly one factor: `code`, `recovery_code` or `webauthn`. */
function secondStepOf(body: SecondStepBody): SecondStep {
  const given = (['code', 'recovery_code', 'webauthn'] as const).filter((field) => body[field] !== undefined)
  if (given.length !== 1) throw AppError.nonField('Give exactly one of code, recovery_code or webauthn.')
  if (body.code !== undefined) return { mfa_token: body.mfa_token, code: body.code }
  if (body.recovery_code !== undefined) return { mfa_token: body.mfa_token, recovery_code: body.recovery_code }
  return { mfa_token: body.mfa_token, webauthn: body.webauthn }
}

/** /api/mfa/…, /api/jwt/create/mfa/ and /api/admin/users/{id}/reset-mfa/ — API.md §12. */
export function mfaRoutes(deps: MfaRouteDeps): FastifyPluginAsync {
  const { mfa, login, guard } = deps
  const { throttle, refundOnSuccess } = deps.throttle
  const signedIn = [guard.authenticate]
  // Every route that checks a code or a password: per IP and per account; a success gives the account's attempt back.
  const checksSecret = throttle({ ip: 'mfa_ip', user: 'mfa_account', failuresOnly: ['mfa_account'] })
  const mfaTokenUser = async (request: FastifyRequest) => {
    const live = await login.liveUser((request.body as { mfa_token?: unknown } | undefined)?.mfa_token)
    return live === null ? null : String(live.userId)
  }
  const { loginAttempt } = tokenEventHooks(deps.events)

  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/mfa/', { schema: docs.status, preParsing: signedIn }, async (request) => mfa.status(guard.of(request).user))

    app.post('/mfa/totp/setup/', {
      schema: { ...docs.totpSetup, body: PasswordBody }, preParsing: signedIn, preHandler: [checksSecret], onSend: [refundOnSuccess],
    }, async (request) => mfa.setupTotp(guard.of(request).user, request.body.current_password))

    app.post('/mfa/totp/confirm/', {
      schema: { ...docs.totpConfirm, body: CodeBody }, preParsing: signedIn, preHandler: [checksSecret], onSend: [refundOnSuccess],
    }, async (request) => ({ recovery_codes: await mfa.confirmTotp(guard.of(request), request.body.code, requestContext(request, guard.of(request))) }))

    app.post('/mfa/totp/disable/', {
      schema: { ...docs.totpDisable, body: DisableBody }, preParsing: signedIn, preHandler: [checksSecret], onSend: [refundOnSuccess],
    }, async (request, reply) => {
      const principal = guard.of(request)
      await mfa.disableTotp(principal, request.body.current_password, request.body.code, requestContext(request, principal))
      return reply.code(204).send()
    })

    app.post('/mfa/recovery-codes/', {
      schema: { ...docs.recoveryCodes, body: RecoveryCodesBody }, preParsing: signedIn, preHandler: [checksSecret], onSend: [refundOnSuccess],
    }, async (request) => ({
      recovery_codes: await mfa.regenerateRecoveryCodes(
        guard.of(request), request.body.current_password, request.body.code, requestContext(request, guard.of(request)),
      ),
    }))

    app.post('/jwt/create/mfa/', {
      schema: { ...docs.secondStep, body: SecondStepBody },
      // mfa_account is the user behind the token: it holds across tokens, so a new password login buys no new guesses.
      preHandler: [throttle({ ip: 'mfa_ip', key: { scope: 'mfa_account', of: mfaTokenUser }, failuresOnly: ['mfa_account'] })],
      onSend: [refundOnSuccess, loginAttempt],
    }, async (request, reply) => {
      return answerLogin(deps, request, reply, await login.finish(secondStepOf(request.body), requestContext(request)))
    })

    app.post('/admin/users/:id/reset-mfa/', { schema: { ...docs.adminReset, params: IdParams }, preParsing: signedIn }, async (request, reply) => {
      const principal = guard.of(request)
      const admin = principal.user
      if (admin.userType !== USER_TYPE.SITE_ADMIN) throw AppError.permissionDenied()
      const id = pathId(request.params.id)
      const user = id === null ? undefined : await deps.findUser(id)
      if (user === undefined) throw AppError.notFound()
      // The admin is the event's actor; the user whose factors went is its user_id.
      await deps.reset(user, requestContext(request, principal))
      return reply.code(204).send()
    })
  }
}
