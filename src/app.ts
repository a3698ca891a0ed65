import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import cors from '@fastify/cors'
import type { Config } from './config.ts'
import { openDatabase } from './platform/db.ts'
import type { Db } from './platform/db.ts'
import { createAuthGuard } from './platform/auth-guard.ts'
import { compileDrfValidator } from './platform/drf-validation.ts'
import { installErrorHandler } from './platform/errors.ts'
import { BODY_LIMIT, installBodyParsers, installNotFoundHandler } from './platform/http-conventions.ts'
import { createConsoleMailer, createSmtpMailer } from './platform/mailer.ts'
import type { Mailer } from './platform/mailer.ts'
import { createPasswordHasher } from './platform/password-hashing.ts'
import { createRouteTable } from './platform/route-table.ts'
import { createOutboxSender } from './mail/outbox-sender.ts'
import { createOutboxStore } from './mail/outbox-store.ts'
import { accountRoutes, userLookupRoutes } from './accounts/routes.ts'
import { createAccountService } from './accounts/service.ts'
import { createAccountStore } from './accounts/store.ts'
import { loadCommonPasswords } from './accounts/password-validators.ts'
import { createJwtCodec } from './tokens/jwt.ts'
import { createLinkTokens } from './tokens/link-token.ts'
import { tokenRoutes } from './tokens/routes.ts'
import { createTokenService } from './tokens/service.ts'
import { createTokenStore } from './tokens/store.ts'
import { createUniversityService } from './universities/service.ts'
import { createUniversityStore } from './universities/store.ts'
import { siteRoutes } from './site/routes.ts'

const COMMON_PASSWORDS_FILE = new URL('../assets/common-passwords.txt', import.meta.url).pathname

export type AppOptions = {
  /** The process's pino logger; none (silent) when absent. */
  logger?: FastifyBaseLogger
  /** Overrides the configured mail backend (tests and the CLI pass their own). */
  mailer?: Mailer
  db?: Db
}

function mailerFor(config: Config, print: (text: string) => void): Mailer {
  const { email } = config
  if (email.backend === 'smtp' && email.host !== undefined) {
    return createSmtpMailer({ host: email.host, port: email.port, user: email.user, password: email.password, useTls: email.useTls, from: email.from })
  }
  return createConsoleMailer({ from: email.from, outboxDir: email.outboxDir, print })
}

/** Builds the whole service: the table of contents of UniLink Accounts. Only server.ts listens. */
export async function buildApp(config: Readonly<Config>, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    trustProxy: false,
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: true } },
  })
  app.setValidatorCompiler(compileDrfValidator)
  installErrorHandler(app)

  const db = options.db ?? openDatabase(config.database)
  const mailer = options.mailer ?? mailerFor(config, (text) => process.stdout.write(text))
  const outbox = createOutboxStore(db)
  const sender = createOutboxSender({
    store: outbox, mailer, log: app.log,
    options: { pollIntervalMs: config.email.pollInterval * 1000, retryBaseMs: config.email.retryBaseMs, maxAttempts: config.email.maxAttempts },
  })
  const hasher = createPasswordHasher(config.passwordHashing)
  const universities = createUniversityService({ store: createUniversityStore(db) })
  const tokenStore = createTokenStore(db)
  const accounts = createAccountService({
    db, store: createAccountStore(db), outbox, wakeMailer: sender.wake, hasher,
    linkTokens: createLinkTokens(config.secretKey), universities,
    commonPasswords: loadCommonPasswords(COMMON_PASSWORDS_FILE),
    site: { siteName: config.siteName, protocol: config.protocol, domain: config.domain },
    revokeSessionsOfUser: (trx, userId, now) => tokenStore.revokeSessionsOfUser(trx, userId, now),
  })
  const tokens = createTokenService({
    db, store: tokenStore, jwt: createJwtCodec(config.secretKey, { access: config.accessTokenLifetime, refresh: config.refreshTokenLifetime }),
    findActiveUser: accounts.findActiveUser, refreshLifetime: config.refreshTokenLifetime, rotateRefreshTokens: config.rotateRefreshTokens,
  })
  const guard = createAuthGuard(tokens.authenticate)

  await app.register(cors, {
    origin: [...config.corsAllowedOrigins],
    credentials: true,
    methods: ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'],
    allowedHeaders: ['accept', 'authorization', 'content-type', 'user-agent', 'x-csrftoken', 'x-requested-with'],
    maxAge: 86400,
    optionsSuccessStatus: 200,
  })
  await app.register(cookie)
  await installBodyParsers(app)

  const routes = createRouteTable()
  app.addHook('onRoute', routes.onRoute)
  app.addHook('preHandler', async (request) => {
    if ((request.routeOptions.config as { auth?: boolean }).auth) await guard.require(request)
  })
  installNotFoundHandler(app, routes, guard.require)

  await app.register(siteRoutes({ siteName: config.siteName }))
  await app.register(accountRoutes({ accounts, guard }), { prefix: '/api/users' })
  await app.register(userLookupRoutes({ accounts, guard }), { prefix: '/api' })
  await app.register(tokenRoutes({ tokens, credentials: accounts, guard, config }), { prefix: '/api' })

  app.addHook('onReady', async () => sender.start())
  app.addHook('onClose', async () => {
    await sender.stop()
    mailer.close()
    await db.destroy()
  })
  return app
}
