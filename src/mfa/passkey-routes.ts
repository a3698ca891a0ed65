import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../platform/errors.ts'
import { tokenEventHooks } from '../tokens/events.ts'
import { docs } from './docs.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { Passkeys } from './passkeys.ts'
import { answerLogin } from './routes.ts'
import type { MfaRouteDeps } from './routes.ts'
import { IdParams, LoginOptionsBody, LoginVerifyBody, PasswordBody, RegisterVerifyBody, RenameBody } from './schemas.ts'
import { pathId, toPasskeyJson } from './serialize.ts'

const idOf = (raw: string): number => {
  const id = pathId(raw)
  if (id === null) throw AppError.notFound()
  return id
}

/** /api/webauthn/… — API.md §12. */
export function passkeyRoutes(deps: MfaRouteDeps & { passkeys: Passkeys }): FastifyPluginAsync {
  const { passkeys, login, guard } = deps
  const { throttle } = deps.throttle
  const signedIn = [guard.authenticate]
  // A ceremony writes a challenge row and checks a signature: limited per IP like the other second-factor routes.
  const perIp = throttle({ ip: 'mfa_ip' })
  const { loginAttempt } = tokenEventHooks(deps.events)

  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.post('/webauthn/register/options/', { schema: docs.registerOptions, preParsing: signedIn }, async (request) =>
      passkeys.registrationOptions(guard.of(request)))

    app.post('/webauthn/register/verify/', { schema: { ...docs.registerVerify, body: RegisterVerifyBody }, preParsing: signedIn, preHandler: [perIp] },
      async (request, reply) => {
        const principal = guard.of(request)
        const context = requestContext(request, principal)
        const { passkey, recoveryCodes } = await passkeys.register(principal, request.body.credential, request.body.name ?? 'Passkey', context)
        return reply.code(201).send({ ...toPasskeyJson(passkey), recovery_codes: recoveryCodes })
      })

    app.get('/webauthn/credentials/', { schema: docs.list, preParsing: signedIn }, async (request) =>
      (await passkeys.list(guard.of(request))).map(toPasskeyJson))

    app.patch('/webauthn/credentials/:id/', { schema: { ...docs.rename, params: IdParams, body: RenameBody }, preParsing: signedIn }, async (request) =>
      toPasskeyJson(await passkeys.rename(guard.of(request), idOf(request.params.id), request.body.name)))

    app.delete('/webauthn/credentials/:id/', {
      schema: { ...docs.remove, params: IdParams, body: PasswordBody }, preParsing: signedIn,
      preHandler: [throttle({ ip: 'mfa_ip', user: 'mfa_account', failuresOnly: ['mfa_account'] })], onSend: [deps.throttle.refundOnSuccess],
    }, async (request, reply) => {
      const principal = guard.of(request)
      await passkeys.remove(principal, idOf(request.params.id), request.body.current_password, requestContext(request, principal))
      return reply.code(204).send()
    })

    app.post('/webauthn/login/options/', { schema: { ...docs.loginOptions, body: LoginOptionsBody }, preHandler: [perIp] }, async (request) => {
      const token = request.body.mfa_token
      return token === undefined ? login.passkeyOptions() : login.passkeyOptionsFor(token)
    })

    app.post('/webauthn/login/verify/', { schema: { ...docs.loginVerify, body: LoginVerifyBody }, preHandler: [perIp], onSend: [loginAttempt] },
      async (request, reply) => answerLogin(deps, request, reply, await login.passkeyLogin(request.body.credential)))
  }
}
