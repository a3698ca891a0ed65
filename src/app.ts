import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import type { Config } from './config.ts'
import { commitObserverOf, openDatabase } from './platform/db.ts'
import type { Db } from './platform/db.ts'
import { createAuthGuard } from './platform/auth-guard.ts'
import { compileDrfValidator } from './platform/http/validation.ts'
import { createClientErrorHandler, installErrorHandler, renderFrameworkError } from './platform/http/error-rendering.ts'
import { corsHeaderFields, corsHeaders, installCors } from './platform/http/cors.ts'
import { installHostValidation } from './platform/http/allowed-hosts.ts'
import { BODY_LIMIT, installBodyParsers } from './platform/http/body-parsers.ts'
import { parseQueryString } from './platform/http/query-string.ts'
import { installRoutingConventions } from './platform/http/routing.ts'
import { createConsoleMailer, createSmtpMailer, formatConsoleMail } from './platform/mailer.ts'
import type { ConsoleMail, Mailer } from './platform/mailer.ts'
import { createPasswordHasher } from './platform/password-hashing.ts'
import { createRouteTable } from './platform/http/route-table.ts'
import { createDbCounterStore, createRedisCounterStore } from './platform/counter-store.ts'
import { startPeriodic } from './platform/periodic.ts'
import { createDeferredWork } from './platform/deferred-work.ts'
import { createLimiter } from './throttling/limiter.ts'
import { createThrottle } from './throttling/throttle.ts'
import { createOutboxSender } from './mail/outbox-sender.ts'
import { createOutboxStore } from './mail/outbox-store.ts'
import { loadMailTemplates } from './mail/templates.ts'
import { accountRoutes, userLookupRoutes } from './accounts/routes.ts'
import { createAccountService } from './accounts/service.ts'
import { createAccountStore } from './accounts/store.ts'
import { loadCommonPasswords } from './accounts/password-validators.ts'
import { createJwtCodec } from './tokens/jwt.ts'
import { createLinkTokens } from './links/link-token.ts'
import { tokenRoutes } from './tokens/routes.ts'
import { createTokenService } from './tokens/service.ts'
import { createTokenStore } from './tokens/store.ts'
import { withOidcGrantRevocation } from './oidc/grant-revocation.ts'
import { createSessionLookup } from './tokens/session-lookup.ts'
import { sessionRoutes } from './tokens/session-routes.ts'
import { createSessionService } from './tokens/sessions.ts'
import { departmentRoutes, universityRoutes } from './universities/routes.ts'
import { createUniversityLookup } from './universities/lookup.ts'
import { createUniversityService } from './universities/service.ts'
import { createUniversityStore } from './universities/store.ts'
import { createAuditRecorder } from './audit/record.ts'
import { createAuditStore } from './audit/store.ts'
import { auditRoutes } from './audit/routes.ts'
import { createAuditService } from './audit/service.ts'
import { createWebhookStore } from './webhooks/store.ts'
import { createWebhookQueue } from './webhooks/queue.ts'
import { createWebhookSender } from './webhooks/sender.ts'
import { createWebhookService } from './webhooks/service.ts'
import { webhookRoutes } from './webhooks/routes.ts'
import { webhookSecrets } from './webhooks/secrets.ts'
import { createOidcClientStore } from './oidc/clients-store.ts'
import { createOidcClientService } from './oidc/clients-service.ts'
import { oidcClientRoutes } from './oidc/clients-routes.ts'
import { siteRoutes } from './site/routes.ts'
import { pagesRoutes } from './pages/routes.ts'
import { hashedAssets } from './pages/assets.ts'
import { createOidcFeature } from './oidc/feature.ts'
import { createOutboxAdmin } from './mail/outbox-admin.ts'
import { mfaRoutes } from './mfa/routes.ts'
import { passkeyRoutes } from './mfa/passkey-routes.ts'
import { createMfaFeature } from './mfa/feature.ts'
import { healthRoutes } from './health/routes.ts'
import { installRequestLogging, requestIdOptions } from './platform/request-logging.ts'
import { createMetrics, installMetrics } from './platform/metrics.ts'
import { registerOpenApi } from './platform/openapi.ts'
import { drainConnectionsOnClose } from './platform/connection-draining.ts'
import { pruneExpiredOidcPayloads } from './oidc/adapter.ts'

const COMMON_PASSWORDS_FILE = new URL('../assets/common-passwords.txt', import.meta.url).pathname

const PRUNE_INTERVAL_MS = 60 * 60 * 1000

export type AppOptions = {
  /** The process's pino logger; none (silent) when absent. */
  logger?: FastifyBaseLogger
  /** Overrides the configured mail backend (tests and the CLI pass their own). */
  mailer?: Mailer
  db?: Db
  /**
   * Where the console mail backend prints a mail as text (server.ts: stdout, when the logs are pretty on a terminal).
   * Without it each mail is one log record, so JSON logs stay one record per line.
   */
  printMail?: (text: string) => void
  /** Milliseconds since the epoch, for the rate limiter, token rotation and TOTP steps; tests pass a clock they can move. */
  clock?: () => number
}

/** The configured mail backend (also used by `npm run cli -- check`). */
export function mailerFor(config: Config, show: (mail: ConsoleMail) => void): Mailer {
  const { email } = config
  if (email.backend === 'smtp' && email.host !== undefined) {
    return createSmtpMailer({ host: email.host, port: email.port, user: email.user, password: email.password, useTls: email.useTls, from: email.from })
  }
  return createConsoleMailer({ from: email.from, outboxDir: email.outboxDir, show })
}

/** Builds the whole service: the table of contents of UniLink Accounts. Only server.ts listens. */
export async function buildApp(config: Readonly<Config>, options: AppOptions = {}): Promise<FastifyInstance> {
  const stampCors = corsHeaders(config.corsAllowedOrigins)
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { querystringParser: parseQueryString },
    // X-Forwarded-For is believed only from the listed proxies (API.md §11); the socket's peer otherwise.
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    return503OnClosing: true,
    // Node would answer a Host-less HTTP/1.1 request with an empty 400 of its own; the Host check answers it (API.md §1).
    http: { requireHostHeader: false },
    ...requestIdOptions,
    // What Node's parser refuses (malformed framing, over-large headers) never reaches a hook: answered there.
    clientErrorHandler: createClientErrorHandler(corsHeaderFields(config.corsAllowedOrigins)),
    // Fastify answers these before any hook runs, so the CORS headers are stamped here too (API.md §9: every answer).
    frameworkErrors: (error, request, reply) => {
      stampCors(request, reply)
      renderFrameworkError(error, request, reply)
    },
  })
  app.setValidatorCompiler(compileDrfValidator)
  // Response schemas document the API (openapi.ts); the bodies are written by the serialisers as they are, since
  // fast-json-stringify would drop or coerce a field no schema foresaw and the contract is byte-exact.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  installErrorHandler(app)
  installRequestLogging(app)
  drainConnectionsOnClose(app)

  const db = options.db ?? openDatabase(config.database)
  const clock = options.clock ?? Date.now
  const { printMail } = options
  const mailer = options.mailer ?? mailerFor(config, printMail ? (mail) => printMail(formatConsoleMail(mail)) : (mail) => {
    app.log.info({ mail: { to: mail.to, subject: mail.subject, text: mail.text, file: mail.file } }, 'mail (console backend)')
  })
  // The metrics read the outbox (age of the oldest mail) and the outbox counts into them: the gauge reads lazily.
  const metrics = createMetrics({ oldestPendingMailAt: () => outbox.oldestPendingCreatedAt(), sessionCache: () => sessionLookup.stats() })
  const outbox = createOutboxStore(db, { onQueued: () => metrics.mail('queued') })
  const sender = createOutboxSender({
    store: outbox, mailer, log: app.log, observe: metrics.mail,
    options: { pollIntervalMs: config.email.pollInterval * 1000, retryBaseMs: config.email.retryBaseMs, maxAttempts: config.email.maxAttempts },
  })
  const hasher = createPasswordHasher(config.passwordHashing, { concurrency: config.passwordHashConcurrency })
  const universityStore = createUniversityStore(db)
  // Templates are read and checked once, here: a broken override stops the start instead of a mail.
  const site = { siteName: config.siteName, protocol: config.protocol, domain: config.domain,
    passwordResetConfirmUrl: config.passwordResetConfirmUrl, mailTemplates: loadMailTemplates(config.email.templatesDir) }
  // Revoking all of a user's sessions revokes their OIDC grants too (API.md §11, §15).
  const tokenStore = withOidcGrantRevocation(createTokenStore(db))
  const auditStore = createAuditStore(db)
  // Webhook deliveries are queued by the audit log, in the transaction of each event (API.md §13).
  const webhookStore = createWebhookStore(db)
  const webhookPolicy = { allowHttp: config.webhooks.allowHttp, allowPrivate: config.webhooks.allowPrivate }
  const secrets = webhookSecrets(config.secretKey)
  const webhookSender = createWebhookSender({ store: webhookStore, secrets, policy: webhookPolicy, retryBaseMs: config.webhooks.retryBaseMs, log: app.log })
  const webhookQueue = createWebhookQueue({ store: webhookStore, wakeSender: webhookSender.wake })
  const audit = createAuditRecorder({ db, store: auditStore, clock, subscribers: [webhookQueue] })
  const auditService = createAuditService({ store: auditStore, retentionDays: config.auditRetentionDays, clock })
  const deferred = createDeferredWork((error, label) => app.log.error({ err: error }, `${label} failed after its answer`))
  const accounts = createAccountService({
    db, store: createAccountStore(db), outbox, wakeMailer: sender.wake, deferred, hasher,
    linkTokens: createLinkTokens(config.secretKey), universities: createUniversityLookup({ store: universityStore }),
    commonPasswords: loadCommonPasswords(COMMON_PASSWORDS_FILE),
    site,
    revokeSessionsOfUser: (trx, userId, now) => tokenStore.revokeSessionsOfUser(trx, userId, now),
    audit,
  })
  const sessionLookup = createSessionLookup({
    db, database: config.database, revocation: config.revocation, commits: commitObserverOf(db), clock: options.clock, log: (message) => app.log.warn(message),
  })
  const tokens = createTokenService({
    db, store: tokenStore, findSession: sessionLookup.find, jwt: createJwtCodec(
      config.secretKey,
      { access: config.accessTokenLifetime, refresh: config.refreshTokenLifetime },
    ),
    findActiveUser: accounts.findActiveUser, refreshLifetime: config.refreshTokenLifetime, rotateRefreshTokens: config.rotateRefreshTokens,
    reuseInterval: config.refreshTokenReuseInterval, clock, audit,
  })
  const secondFactors = createMfaFeature({
    db, config, hasher, outbox, wakeMailer: sender.wake, site, clock, findActiveUser: accounts.findActiveUser,
    revokeOtherSessions: tokens.revokeOtherSessions, audit,
  })
  const universities = createUniversityService({ db, store: universityStore, accounts, outbox, wakeMailer: sender.wake, site, audit })
  const guard = createAuthGuard(tokens.authenticate, config.corsAllowedOrigins)
  const counters = config.redisUrl !== undefined ? createRedisCounterStore(config.redisUrl, config.redisKeyPrefix) : createDbCounterStore(db)
  const limiter = createLimiter({ store: counters, enabled: config.rateLimit.enabled, rules: config.rateLimit.rules, clock })
  const throttle = createThrottle(limiter, async (request) => (await guard.principal(request))?.user.id ?? null)

  installHostValidation(app, config.allowedHosts, stampCors)
  installCors(app, config.corsAllowedOrigins)
  await app.register(cookie)
  await installBodyParsers(app)

  // Before any route: the route table and the OpenAPI document both collect the routes registered after them.
  const routes = createRouteTable()
  app.addHook('onRoute', routes.onRoute)
  await registerOpenApi(app)
  installMetrics(app, metrics, config.metricsToken)
  installRoutingConventions(app, routes, guard.require)

  await app.register(siteRoutes({ siteName: config.siteName }))
  await app.register(healthRoutes({ db, outboxSenderAlive: () => sender.isAlive() }))
  await app.register(accountRoutes({ accounts, guard, throttle }), { prefix: '/api/users' })
  await app.register(userLookupRoutes({ accounts, guard, throttle }), { prefix: '/api' })
  await app.register(tokenRoutes({
    tokens, credentials: accounts, guard, throttle, events: metrics, config, challengeAfterPassword: secondFactors.login.challengeAfterPassword,
  }), { prefix: '/api' })
  const mfaRouteDeps = {
    ...secondFactors, mfa: secondFactors.service, guard, throttle, events: metrics, cookies: config.cookies,
    openSession: tokens.login, findUser: accounts.findById,
  }
  await app.register(mfaRoutes(mfaRouteDeps), { prefix: '/api' })
  await app.register(passkeyRoutes(mfaRouteDeps), { prefix: '/api' })
  const sessions = createSessionService({ db, store: tokenStore, audit, hasSecondFactor: secondFactors.service.hasMfa })
  await app.register(sessionRoutes({ sessions, guard, events: metrics, config }), { prefix: '/api' })
  const secondFactorGate = secondFactors.service.assertEnrolledIfRequired
  await app.register(universityRoutes({ universities, guard, throttle, secondFactorGate }), { prefix: '/api/university' })
  await app.register(departmentRoutes({ universities, guard, throttle, secondFactorGate }), { prefix: '/api/department' })
  await app.register(auditRoutes({ audit: auditService, guard }), { prefix: '/api' })
  const webhooks = createWebhookService({ db, store: webhookStore, secrets, policy: webhookPolicy, audit })
  await app.register(webhookRoutes({ webhooks, guard }), { prefix: '/api' })
  const oidc = createOidcFeature({
    config, db, clock, log: app.log, findActiveUser: accounts.findActiveUser, authenticate: tokens.authenticate, logout: tokens.logout,
    signedInAt: sessions.signedInAt, hasMfa: secondFactors.service.hasMfa, audit, assets: hashedAssets().urls,
  })
  await app.register(oidc.routes)
  // OpenID Connect clients (API.md §15): the JSON API here, the admin console's page through pagesRoutes.
  const oidcClients = createOidcClientService({ db, store: createOidcClientStore(db), audit, clock })
  await app.register(oidcClientRoutes({ clients: oidcClients, guard }), { prefix: '/api' })
  await app.register(pagesRoutes({
    accounts, tokens, sessions, universities, outbox: createOutboxAdmin({ db, store: outbox, audit, wakeMailer: sender.wake }),
    audit: auditService, mfaLogin: secondFactors.login, secondFactorGate, guard, throttle, events: metrics, config, clock,
    mfa: secondFactors.service, passkeys: secondFactors.passkeys,
    oidcClients,
    mfaReset: secondFactors.reset, hasSecondFactor: secondFactors.service.hasMfa, webhooks,
    extraPages: [oidc.interactionPages],
  }))

  const pruner = startPeriodic(PRUNE_INTERVAL_MS, async () => {
    const now = Date.now()
    await tokenStore.pruneExpired(now)
    await counters.prune(now)
    await secondFactors.store.pruneExpired(now)
    await auditService.pruneExpired()
    await webhookStore.pruneSettled(clock() - config.auditRetentionDays * 86_400_000)
    await pruneExpiredOidcPayloads(db, now)
  }, (error) => app.log.error({ err: error }, 'pruning expired tokens, counters, second-factor challenges and audit events failed'))

  app.addHook('onReady', async () => {
    await sessionLookup.start()
    sender.start()
    webhookSender.start()
    pruner.start()
  })
  app.addHook('onClose', async () => {
    // Requests already answered finish their work (a queued mail) before the database closes.
    await deferred.drain()
    await pruner.stop()
    await counters.close()
    await sender.stop()
    await webhookSender.stop()
    mailer.close()
    await sessionLookup.close()
    await db.destroy()
  })
  return app
}
