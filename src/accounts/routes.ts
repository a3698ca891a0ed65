import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { parsedBody } from '../platform/field-checks.ts'
import type { Principal } from '../tokens/service.ts'
import type { createAccountService } from './service.ts'
import {
  CurrentPasswordBody, EmailBody, IdParams, OptionalCurrentPasswordBody, ProfileBody, ProfilePutBody, RegisterBody,
  ResetEmailConfirmBody, ResetPasswordConfirmBody, SetEmailBody, SetPasswordBody, ShortUserPatchBody, ShortUserPutBody,
  UidTokenBody, UserIdQuery,
} from './schemas.ts'
import { toCreatedUserJson, toFullUserJson, toShortUserJson } from './serialize.ts'
import { docs } from './docs.ts'

type Deps = { accounts: ReturnType<typeof createAccountService>; guard: AuthGuard<Principal> }

/** `{scheme}://{host}` as Django's request.build_absolute_uri sees it. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/** DRF's router: a non-integer id in the path simply matches no object. */
function idParam(request: FastifyRequest): number {
  const { id } = request.params as { id: string }
  if (!/^\d{1,9}$/.test(id)) throw AppError.notFound()
  return Number(id)
}

const auth = { auth: true }
const collect = { attachValidation: true }
// Fastify would also answer `/api/users` (no slash) for a prefixed '/'; Django redirects it (API.md §1).
const slashOnly = { prefixTrailingSlash: 'slash' as const }

/** /api/users/… (Djoser's UserViewSet) — API.md §4. */
export function accountRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts, guard } = deps
  const me = (request: FastifyRequest) => guard.of(request).user

  return async (app) => {
    app.post('/', { ...slashOnly, ...collect, config: { throttle: { ip: 'register_ip', account: { scope: 'register_account', field: 'email' } } }, schema: { ...docs.register, body: RegisterBody } }, async (request, reply) => {
      const user = await accounts.register(parsedBody(request))
      return reply.code(201).send(toCreatedUserJson(user))
    })
    app.get('/', { ...slashOnly, config: auth, schema: docs.list }, async (request) => (await accounts.list(me(request))).map(toShortUserJson))

    app.post('/activation/', { config: { throttle: { ip: 'activation_ip', account: { scope: 'activation_account', field: 'uid' } } }, schema: { ...docs.activate, body: UidTokenBody } }, async (request, reply) => {
      await accounts.activate(request.body as UidTokenBody)
      return reply.code(204).send()
    })
    app.post('/resend_activation/', { config: { throttle: { ip: 'resend_activation_ip', account: { scope: 'resend_activation_account', field: 'email' } } }, schema: { ...docs.resendActivation, body: EmailBody } }, async (request, reply) => {
      await accounts.resendActivation(request.body as EmailBody)
      return reply.code(204).send()
    })

    app.get('/me/', { config: auth, schema: docs.me }, (request) => toFullUserJson(me(request), originOf(request)))
    app.put('/me/', { config: auth, ...collect, schema: { ...docs.updateMe, body: ProfilePutBody } }, async (request) =>
      toFullUserJson(await accounts.updateMe(me(request), parsedBody(request)), originOf(request)))
    app.patch('/me/', { config: auth, ...collect, schema: { ...docs.updateMe, body: ProfileBody } }, async (request) =>
      toFullUserJson(await accounts.updateMe(me(request), parsedBody(request)), originOf(request)))
    app.delete('/me/', { config: auth, ...collect, schema: { ...docs.deleteMe, body: CurrentPasswordBody } }, async (request, reply) => {
      await accounts.deleteMe(me(request), parsedBody(request))
      return reply.code(204).send()
    })

    app.post('/set_password/', { config: { ...auth, throttle: { ip: 'set_password_ip', user: 'set_password_account' } }, ...collect, schema: { ...docs.setPassword, body: SetPasswordBody } }, async (request, reply) => {
      await accounts.setPassword(me(request), parsedBody(request))
      return reply.code(204).send()
    })
    app.post('/reset_password/', { config: { throttle: { ip: 'reset_password_ip', account: { scope: 'reset_password_account', field: 'email' } } }, schema: { ...docs.resetPassword, body: EmailBody } }, async (request, reply) => {
      await accounts.requestPasswordReset(request.body as EmailBody)
      return reply.code(204).send()
    })
    app.post('/reset_password_confirm/', { config: { throttle: { ip: 'reset_password_confirm_ip', account: { scope: 'reset_password_confirm_account', field: 'uid' } } }, schema: { ...docs.resetPasswordConfirm, body: ResetPasswordConfirmBody } }, async (request, reply) => {
      await accounts.confirmPasswordReset(request.body as ResetPasswordConfirmBody)
      return reply.code(204).send()
    })

    app.post('/set_email/', { config: { ...auth, throttle: { ip: 'set_email_ip', user: 'set_email_account' } }, ...collect, schema: { ...docs.setEmail, body: SetEmailBody } }, async (request, reply) => {
      await accounts.setEmail(me(request), parsedBody(request))
      return reply.code(204).send()
    })
    app.post('/reset_email/', { config: { throttle: { ip: 'reset_email_ip', account: { scope: 'reset_email_account', field: 'email' } } }, schema: { ...docs.resetEmail, body: EmailBody } }, async (request, reply) => {
      await accounts.requestEmailReset(request.body as EmailBody)
      return reply.code(204).send()
    })
    app.post('/reset_email_confirm/', { ...collect, config: { throttle: { ip: 'reset_email_confirm_ip', account: { scope: 'reset_email_confirm_account', field: 'uid' } } }, schema: { ...docs.resetEmailConfirm, body: ResetEmailConfirmBody } }, async (request, reply) => {
      await accounts.confirmEmailReset(parsedBody(request))
      return reply.code(204).send()
    })

    app.get('/:id/', { config: auth, schema: { ...docs.getById, params: IdParams } }, async (request) =>
      toShortUserJson(await accounts.findVisible(me(request), idParam(request))))
    app.put('/:id/', { config: auth, ...collect, schema: { ...docs.updateById, params: IdParams, body: ShortUserPutBody } }, async (request) =>
      toShortUserJson(await accounts.updateShort(me(request), idParam(request), parsedBody(request))))
    app.patch('/:id/', { config: auth, ...collect, schema: { ...docs.updateById, params: IdParams, body: ShortUserPatchBody } }, async (request) =>
      toShortUserJson(await accounts.updateShort(me(request), idParam(request), parsedBody(request))))
    app.delete('/:id/', { config: auth, ...collect, schema: { ...docs.deleteById, params: IdParams, body: OptionalCurrentPasswordBody } }, async (request, reply) => {
      await accounts.deleteById(me(request), idParam(request), parsedBody(request))
      return reply.code(204).send()
    })
  }
}

/** GET /api/user/?user_id=N and GET /api/ (the original project's own views). */
export function userLookupRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts } = deps
  return async (app) => {
    app.get('/user/', { config: auth, schema: { ...docs.lookup, querystring: UserIdQuery } }, async (request) => {
      const { user_id: id } = request.query as UserIdQuery
      if (id < 1 || id > 2_147_483_647) throw AppError.notFound()
      return toFullUserJson(await accounts.findById(id), null)
    })
    app.get('/', { ...slashOnly, config: auth, schema: docs.root }, async (request) => ({ users: `${originOf(request)}/api/users/` }))
  }
}
