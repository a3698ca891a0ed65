import type { FastifyPluginAsync, preValidationHookHandler } from 'fastify'
import type { Config } from '../config.ts'
import { installPageErrorHandler } from '../platform/http/error-rendering.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import type { AccountService } from '../accounts/service.ts'
import type { AuditService } from '../audit/service.ts'
import type { MfaLogin } from '../mfa/login.ts'
import type { Passkeys } from '../mfa/passkeys.ts'
import type { MfaService } from '../mfa/service.ts'
import type { OidcClientService } from '../oidc/clients-service.ts'
import type { MfaReset } from '../mfa/reset.ts'
import type { OutboxAdmin } from '../mail/outbox-admin.ts'
import type { TokenEvents } from '../tokens/events.ts'
import type { Principal, TokenService } from '../tokens/service.ts'
import type { SessionService } from '../tokens/sessions.ts'
import type { Throttle } from '../throttling/throttle.ts'
import type { UniversityService } from '../universities/service.ts'
import { accountMfaRoutes } from './account-mfa-routes.ts'
import { accountPasskeyRoutes } from './account-passkey-routes.ts'
import type { WebhookService } from '../webhooks/service.ts'
import { accountPageRoutes } from './account-routes.ts'
import { createAccountPage } from './account-page.ts'
import { adminAuditRoutes } from './admin-audit-routes.ts'
import { adminOidcClientRoutes } from './admin-oidc-clients-routes.ts'
import { adminRoutes } from './admin-routes.ts'
import { adminUniversityRoutes } from './admin-university-routes.ts'
import { adminWebhookRoutes } from './admin-webhook-routes.ts'
import { assetRoutes, hashedAssets } from './assets.ts'
import { loginRoutes } from './login-routes.ts'
import { createRenderer } from './render.ts'
import type { Render } from './render.ts'
import { installFormProtection, securityHeaders } from './security.ts'
import { createPageSession } from './session.ts'
import type { PageSession, PageSessionDeps } from './session.ts'

export type PagesDeps = {
  accounts: AccountService
  tokens: TokenService
  sessions: SessionService
  universities: UniversityService
  outbox: OutboxAdmin
  audit: AuditService
  /** The two-step login of API.md §12: the same challenge and second step as POST /api/jwt/create/ and jwt/create/mfa/. */
  mfaLogin: MfaLogin
  /** TOTP and recovery codes (API.md §12), as /api/mfa/… calls them. */
  mfa: MfaService
  /** Passkeys (API.md §12), as /api/webauthn/register/… and credentials/ call them. */
  passkeys: Passkeys
  /** A site admin's `Reset two-factor` (API.md §12, §14): the service of POST /api/admin/users/{id}/reset-mfa/. */
  mfaReset: MfaReset
  /** Whether a user has a second factor (the user page shows `Reset two-factor` only then). */
  hasSecondFactor: (userId: number) => Promise<boolean>
  webhooks: WebhookService
  guard: AuthGuard<Principal>
  throttle: Throttle
  events: TokenEvents
  config: Config
  clock: () => number
  secondFactorGate: PageSessionDeps['secondFactorGate']
  /** The relying parties of API.md §15, for /admin/oidc-clients/. */
  oidcClients: OidcClientService
  /** Pages another feature serves with these pages' session, renderer and form protection (the OIDC interaction, §15). */
  extraPages?: ((shared: SharedPageDeps) => FastifyPluginAsync)[]
}

export type SharedPageDeps = { page: PageSession; render: Render; form: preValidationHookHandler }

const TITLES: Record<number, string> = {
  400: 'Something is wrong with the request', 401: 'Sign-in needed', 403: 'Not allowed', 404: 'Not found', 429: 'Too many attempts',
}

/**
 * The hosted pages (API.md §14): server-rendered HTML over the same services as the JSON routes. Every answer here
 * carries the pages' security headers; every form is CSRF-protected; every error is a page, never JSON.
 */
export function pagesRoutes(deps: PagesDeps): FastifyPluginAsync {
  const { config } = deps
  const assets = hashedAssets()
  const render = createRenderer({ siteName: config.siteName, assets })
  const page = createPageSession(deps)
  return async (app) => {
    app.addHook('onSend', securityHeaders)
    const form = await installFormProtection(app, config)
    installPageErrorHandler(app, async (error, request, reply) => {
      reply.headers(error.headers)
      // A form shows its own rate-limit error (its guards ran before the limit); a refusal (CSRF, permission, a body
      // that does not parse) is a page of its own: it may come before any guard, so no handler's page assumes them.
      const own = request.routeOptions.config.errorPage
      if (own !== undefined && error.status === 429) return own(request, reply, error)
      const principal = await page.resolve(request, reply).catch(() => null)
      return render(request, reply, 'error', { title: TITLES[error.status] ?? 'Something went wrong', user: principal?.user, error, status: error.status })
    })
    const shared = { page, render, form, accountPage: createAccountPage({ ...deps, page, render, siteName: config.siteName }) }
    await app.register(assetRoutes(assets))
    await app.register(loginRoutes({
      ...shared, accounts: deps.accounts, tokens: deps.tokens, mfaLogin: deps.mfaLogin, throttle: deps.throttle, events: deps.events, config,
    }))
    await app.register(accountPageRoutes({ ...shared, ...deps }))
    await app.register(accountMfaRoutes({ ...shared, ...deps }))
    await app.register(accountPasskeyRoutes({ ...shared, ...deps }))
    await app.register(adminRoutes({ ...shared, ...deps }))
    await app.register(adminUniversityRoutes({ ...shared, ...deps }))
    await app.register(adminAuditRoutes({ ...shared, ...deps }))
    await app.register(adminOidcClientRoutes({ ...shared, ...deps }))
    await app.register(adminWebhookRoutes({ ...shared, ...deps }))
    for (const pages of deps.extraPages ?? []) await app.register(pages(shared))
  }
}
