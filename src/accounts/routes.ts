import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { parsedBody } from '../platform/http/field-checks.ts'
import type { SignedIn } from './user.ts'
import type { Throttle } from '../throttling/throttle.ts'
import type { createAccountService } from './service.ts'
import {
  CurrentPasswordBody, EmailBody, IdParams, OptionalCurrentPasswordBody, ProfileBody, ProfilePutBody, RegisterBody,
  ResetEmailConfirmBody, ResetPasswordConfirmBody, SetEmailBody, SetPasswordBody, ShortUserPatchBody, ShortUserPutBody,
  UidTokenBody, UserIdQuery,
} from './schemas.ts'
import { toCreatedUserJson, toFullUserJson, toShortUserJson } from './serialize.ts'
import { docs } from './docs.ts'
import { requestContext } from '../platform/http/request-context.ts'

type Deps = { accounts: ReturnType<typeof createAccountService>; guard: AuthGuard<SignedIn>; throttle: Throttle }

/** `{scheme}://{host}` as Django's request.build_absolute_uri sees it. */
export function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/** DRF's router: a non-integer id in the path simply matches no object. */
function idParam({ id }: { id: string }): number {
  if (!/^\d{1,9}$/.test(id)) throw AppError.notFound()
  return Number(id)
}

const collect = { attachValidation: true }
// Fastify would also answer `/api/users` (no slash) for a prefixed '/'; Django redirects it (API.md §1).
const slashOnly = { prefixTrailingSlash: 'slash' as const }

/** /api/users/… (Djoser's UserViewSet) — API.md §4. */
export function accountRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts, guard } = deps
  const { throttle } = deps.throttle
  const me = (request: FastifyRequest) => guard.of(request).user
  // Who and from where, for the audit log (API.md §13).
  const signedInContext = (request: FastifyRequest) => requestContext(request, guard.of(request))
  const signedIn = [guard.authenticate]

  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/', {
      ...slashOnly,
      ...collect,
      preHandler: [throttle({ ip: 'register_ip', account: { scope: 'register_account', field: 'email' } })],
      schema: { ...docs.register, body: RegisterBody },
    }, async (request, reply) => {
      const user = await accounts.register(parsedBody(request), requestContext(request))
      return reply.code(201).send(toCreatedUserJson(user))
    })
    app.get('/', { ...slashOnly, preParsing: signedIn, schema: docs.list }, async (request) => (await accounts.list(me(request))).map(toShortUserJson))

    app.post('/activation/', {
      preHandler: [throttle({ ip: 'activation_ip', account: { scope: 'activation_account', field: 'uid' } })],
      schema: { ...docs.activate, body: UidTokenBody },
    }, async (request, reply) => {
      await accounts.activate(request.body, requestContext(request))
      return reply.code(204).send()
    })
    app.post('/resend_activation/', {
      preHandler: [throttle({ ip: 'resend_activation_ip', account: { scope: 'resend_activation_account', field: 'email' } })],
      schema: { ...docs.resendActivation, body: EmailBody },
    }, async (request, reply) => {
      await accounts.resendActivation(request.body)
      return reply.code(204).send()
    })

    app.get('/me/', { preParsing: signedIn, schema: docs.me }, (request) => toFullUserJson(me(request), originOf(request)))
    app.put('/me/', { preParsing: signedIn, ...collect, schema: { ...docs.updateMe, body: ProfilePutBody } }, async (request) =>
      toFullUserJson(await accounts.updateMe(me(request), parsedBody(request), signedInContext(request)), originOf(request)))
    app.patch('/me/', { preParsing: signedIn, ...collect, schema: { ...docs.updateMe, body: ProfileBody } }, async (request) =>
      toFullUserJson(await accounts.updateMe(me(request), parsedBody(request), signedInContext(request)), originOf(request)))
    app.delete('/me/', { preParsing: signedIn, ...collect, schema: { ...docs.deleteMe, body: CurrentPasswordBody } }, async (request, reply) => {
      await accounts.deleteMe(me(request), parsedBody(request), signedInContext(request))
      return reply.code(204).send()
    })

    app.post('/set_password/', {
      preParsing: signedIn,
      preHandler: [throttle({ ip: 'set_password_ip', user: 'set_password_account' })],
      ...collect,
      schema: { ...docs.setPassword, body: SetPasswordBody },
    }, async (request, reply) => {
      await accounts.setPassword(me(request), parsedBody(request), signedInContext(request))
      return reply.code(204).send()
    })
    app.post('/reset_password/', {
      preHandler: [throttle({ ip: 'reset_password_ip', account: { scope: 'reset_password_account', field: 'email' } })],
      schema: { ...docs.resetPassword, body: EmailBody },
    }, async (request, reply) => {
      await accounts.requestPasswordReset(request.body, requestContext(request))
      return reply.code(204).send()
    })
    app.post('/reset_password_confirm/', {
      preHandler: [throttle({ ip: 'reset_password_confirm_ip', account: { scope: 'reset_password_confirm_account', field: 'uid' } })],
      schema: { ...docs.resetPasswordConfirm, body: ResetPasswordConfirmBody },
    }, async (request, reply) => {
      await accounts.confirmPasswordReset(request.body, requestContext(request))
      return reply.code(204).send()
    })

    app.post('/set_email/', {
      preParsing: signedIn,
      preHandler: [throttle({ ip: 'set_email_ip', user: 'set_email_account' })],
      ...collect,
      schema: { ...docs.setEmail, body: SetEmailBody },
    }, async (request, reply) => {
      await accounts.setEmail(me(request), parsedBody(request), signedInContext(request))
      return reply.code(204).send()
    })
    app.post('/reset_email/', {
      preHandler: [throttle({ ip: 'reset_email_ip', account: { scope: 'reset_email_account', field: 'email' } })],
      schema: { ...docs.resetEmail, body: EmailBody },
    }, async (request, reply) => {
      await accounts.requestEmailReset(request.body)
      return reply.code(204).send()
    })
    app.post('/reset_email_confirm/', {
      ...collect,
      preHandler: [throttle({ ip: 'reset_email_confirm_ip', account: { scope: 'reset_email_confirm_account', field: 'uid' } })],
      schema: { ...docs.resetEmailConfirm, body: ResetEmailConfirmBody },
    }, async (request, reply) => {
      await accounts.confirmEmailReset(parsedBody(request), requestContext(request))
      return reply.code(204).send()
    })

    app.get('/:id/', { preParsing: signedIn, schema: { ...docs.getById, params: IdParams } }, async (request) =>
      toShortUserJson(await accounts.findVisible(me(request), idParam(request.params))))
    app.put('/:id/', { preParsing: signedIn, ...collect, schema: { ...docs.updateById, params: IdParams, body: ShortUserPutBody } }, async (request) =>
      toShortUserJson(await accounts.updateShort(me(request), idParam(request.params), parsedBody(request), signedInContext(request))))
    app.patch('/:id/', { preParsing: signedIn, ...collect, schema: { ...docs.updateById, params: IdParams, body: ShortUserPatchBody } }, async (request) =>
      toShortUserJson(await accounts.updateShort(me(request), idParam(request.params), parsedBody(request), signedInContext(request))))
    app.delete('/:id/', {
      preParsing: signedIn,
      ...collect,
      schema: { ...docs.deleteById, params: IdParams, body: OptionalCurrentPasswordBody },
    }, async (request, reply) => {
      await accounts.deleteById(me(request), idParam(request.params), parsedBody(request), signedInContext(request))
      return reply.code(204).send()
    })
  }
}

/** GET /api/user/?user_id=N and GET /api/ (the original project's own views). */
export function userLookupRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts } = deps
  const signedIn = [deps.guard.authenticate]
  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/user/', { preParsing: signedIn, schema: { ...docs.lookup, querystring: UserIdQuery } }, async (request) => {
      const { user_id: id } = request.query
      if (id < 1 || id > 2_147_483_647) throw AppError.notFound()
      return toFullUserJson(await accounts.findById(id), null)
    })
    app.get('/', { ...slashOnly, preParsing: signedIn, schema: docs.root }, async (request) => ({ users: `${originOf(request)}/api/users/` }))
  }
}
