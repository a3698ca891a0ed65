import { hkdfSync } from 'node:crypto'
import type { FastifyBaseLogger, FastifyPluginAsync, preValidationHookHandler } from 'fastify'
import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { AuditRecorder } from '../audit/record.ts'
import type { User } from '../accounts/user.ts'
import type { Principal, TokenService } from '../tokens/service.ts'
import type { PageSession } from '../pages/session.ts'
import type { Render } from '../pages/render.ts'
import { createOidcAdapter } from './adapter.ts'
import { accountFinder } from './claims.ts'
import { createOidcClientStore } from './clients-store.ts'
import { endUniLinkSessionOnLogout } from './end-session.ts'
import { grantLoader } from './grants.ts'
import { interactionRoutes } from './interaction-routes.ts'
import { createOidcPayloadStore } from './payload-store.ts'
import { createProviderHolder } from './provider.ts'
import { clientAdapter } from './provider-clients.ts'
import { providerConfiguration } from './provider-config.ts'
import { createProviderPages } from './provider-pages.ts'
import { oidcProviderRoutes } from './routes.ts'
import { createSigningKeys } from './signing-keys.ts'

export type OidcFeatureDeps = {
  config: Config
  db: Db
  clock: () => number
  log: FastifyBaseLogger
  findActiveUser: (id: number) => Promise<User | undefined>
  /** The §3 access token's principal (tokens.authenticate), null when it is not valid. */
  authenticate: (accessToken: string) => Promise<Principal | null>
  logout: TokenService['logout']
  signedInAt: (principal: Principal) => Promise<number | null>
  hasMfa: (userId: number) => Promise<boolean>
  audit: AuditRecorder
  /** The hosted pages' asset URLs (pages/assets.ts), for the pages oidc-provider renders itself. */
  assets: Record<string, string>
}

/**
 * UniLink as an OpenID Provider (API.md §15), built on oidc-provider: its storage on our database (adapter.ts),
 * its keys from signing-keys.ts, its clients from the clients API's table. Gives the provider's routes and the
 * interaction pages, which app.ts registers among the hosted pages (their CSRF, security headers and error pages).
 */
export function createOidcFeature(deps: OidcFeatureDeps) {
  const { config, db } = deps
  const issuer = config.oidc.issuer
  const clients = createOidcClientStore(db)
  const findClient = (clientId: string) => clients.find(clientId)
  const Stored = createOidcAdapter(db, deps.clock)
  const adapterFor = (name: string) => (name === 'Client' ? clientAdapter(findClient) : new Stored(name))
  const payloads = createOidcPayloadStore(db)

  const currentSignIn = async (accessToken: string) => {
    const principal = await deps.authenticate(accessToken)
    if (principal === null) return null
    const at = await deps.signedInAt(principal)
    return { userId: principal.user.id, signedInAt: at === null ? null : Math.floor(at / 1000) }
  }
  const holder = createProviderHolder({
    issuer, keys: createSigningKeys({ db, secretKey: config.secretKey, prepublishSeconds: config.oidcKeyPrepublishSeconds }),
    proxy: config.trustedProxies.length > 0, clock: deps.clock, log: deps.log,
    middleware: [endUniLinkSessionOnLogout({ authenticate: deps.authenticate, logout: deps.logout, cookies: config.cookies })],
    configure: (jwks, library) => providerConfiguration({
      library, secretKey: config.secretKey, adapter: adapterFor, findAccount: accountFinder(deps.findActiveUser, issuer), currentSignIn,
      loadExistingGrant: grantLoader({ grantIdsOfAccount: (id) => payloads.grantIdsForAccount(id), findClient }),
      pages: createProviderPages({ siteName: config.siteName, assets: deps.assets }),
    }, jwks),
  })

  return {
    provider: holder.get,
    routes: oidcProviderRoutes({ provider: holder.get }),
    interactionPages: (shared: { page: PageSession; render: Render; form: preValidationHookHandler }): FastifyPluginAsync => interactionRoutes({
      ...shared, provider: holder.get, signedInAt: deps.signedInAt, hasMfa: deps.hasMfa, findClient, clock: deps.clock,
      markerKey: Buffer.from(hkdfSync('sha256', config.secretKey, 'unilink-accounts', 'oidc fresh sign-in marker v1', 32)),
      recordConsent: async (context, user, clientId, scopes) => {
        await deps.audit.record(db, {
          type: 'oidc.consent_granted', context, userId: user.id, universityId: user.universityId, data: { client_id: clientId, scopes },
        })
      },
    }),
  }
}
