import { hkdfSync } from 'node:crypto'
import type { AdapterConstructor, AdapterFactory, Configuration, FindAccount, KoaContextWithOIDC } from 'oidc-provider'
import { SCOPE_CLAIMS, SCOPES } from './claims.ts'
import { ACR_MFA, ACR_PASSWORD, createInteractionPolicy } from './interaction-policy.ts'
import type { CurrentSignIn } from './interaction-policy.ts'
import type { ProviderPages } from './provider-pages.ts'
import type { OidcLibrary } from './library.ts'

/** Lifetimes (seconds). Refresh tokens, the longest, bound when a retired signing key can be pruned (signing-keys.ts). */
export const OIDC_TTL = {
  AccessToken: 3600, AuthorizationCode: 60, IdToken: 3600, RefreshToken: 14 * 86_400, Interaction: 3600, Session: 14 * 86_400, Grant: 14 * 86_400,
} as const

/** The provider's endpoints: under /oidc/, and the JWKS where API.md §15 names it. No trailing slash: OAuth clients append nothing. */
export const OIDC_ROUTES = {
  authorization: '/oidc/auth',
  token: '/oidc/token',
  userinfo: '/oidc/me',
  jwks: '/.well-known/jwks.json',
  revocation: '/oidc/token/revocation',
  introspection: '/oidc/token/introspection',
  end_session: '/oidc/session/end',
} as const

export const interactionPath = (uid: string): string => `/oidc/interaction/${uid}/`

export type ProviderConfigDeps = {
  /** oidc-provider itself, loaded on the first OIDC request (library.ts). */
  library: OidcLibrary
  secretKey: string
  adapter: AdapterConstructor | AdapterFactory
  findAccount: FindAccount
  currentSignIn: CurrentSignIn
  /** The grant a user already gave a client, so consent is remembered per user and client, not per browser session. */
  loadExistingGrant: NonNullable<Configuration['loadExistingGrant']>
  pages: ProviderPages
}

/** The provider's cookie keys, derived from SECRET_KEY (HKDF, an info string of their own): nothing else to keep secret. */
export function cookieKeys(secretKey: string): string[] {
  return [Buffer.from(hkdfSync('sha256', secretKey, 'unilink-accounts', 'oidc-provider cookies v1', 32)).toString('base64url')]
}

/**
 * oidc-provider's configuration. Every default that announces itself as "you SHOULD/MUST change" is set here (the
 * TTLs, findAccount, the pages, the policies), so the provider prints none of its development-only notices.
 */
export function providerConfiguration(deps: ProviderConfigDeps, jwks: { keys: Record<string, unknown>[] }): Configuration {
  const { pages } = deps
  return {
    adapter: deps.adapter,
    jwks,
    findAccount: deps.findAccount,
    loadExistingGrant: deps.loadExistingGrant,
    cookies: {
      keys: cookieKeys(deps.secretKey),
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: { acr: null, amr: null, auth_time: null, sid: null, iss: null, ...SCOPE_CLAIMS },
    scopes: [...SCOPES],
    acrValues: [ACR_PASSWORD, ACR_MFA],
    responseTypes: ['code'],
    // What a registered client can use (provider-clients.ts): a secret (basic or post) or, for a public client, none.
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic',
    },
    // No HS* algorithms: the clients' `client_secret` is a hash here (client-secrets.ts), never a key.
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256', 'EdDSA'],
      userinfoSigningAlgValues: ['ES256', 'EdDSA'],
      introspectionSigningAlgValues: ['ES256', 'EdDSA'],
      authorizationSigningAlgValues: ['ES256', 'EdDSA'],
      requestObjectSigningAlgValues: ['ES256', 'EdDSA'],
      clientAuthSigningAlgValues: ['ES256', 'EdDSA'],
    },
    routes: OIDC_ROUTES,
    interactions: {
      url: (_ctx, interaction) => interactionPath(interaction.uid),
      policy: createInteractionPolicy(deps.library, deps.currentSignIn),
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true, allowedPolicy: ownTokenOnly },
      // RFC 7662 for resource servers, which are confidential clients: a public client's "authentication" proves nothing.
      introspection: { enabled: true, allowedPolicy: async (_ctx, client) => client.clientAuthMethod !== 'none' },
      rpInitiatedLogout: { enabled: true, logoutSource: pages.logout, postLogoutSuccessSource: pages.loggedOut },
      userinfo: { enabled: true },
      // Access tokens stay opaque, on purpose, although API.md §15 says they are "signed with the current key"
      // (ID tokens are). oidc-provider 9 issues an RFC 9068 `at+jwt` only for a resource server (resourceIndicators
      // with accessTokenFormat 'jwt'). It does not store such a token, and it gives it an `aud`. So userinfo answers
      // invalid_token (the token is not found; it also refuses any token with an aud). Introspection and revocation
      // answer unsupported_token_type ("Structured JWT Tokens cannot be introspected/revoked"). We measured this with
      // defaultResource, getResourceServerInfo({ accessTokenFormat: 'jwt' }) and the resource's scopes added to the
      // grant at consent. The code grant and the refresh grant both gave ES256 at+jwt tokens signed with the
      // provider's key. openid-client's fetchUserInfo failed with both. A resource server that needs JWTs later goes
      // in resourceIndicators.getResourceServerInfo, and its clients ask for it with `resource=`. Tokens asked for
      // without a resource (userinfo's) stay opaque.
    },
    // API.md §15: PKCE (S256, the only method oidc-provider 9 knows) for public clients; confidential ones may use it.
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Every refresh returns a new refresh token; presenting a rotated one again revokes the grant (oidc-provider's reuse detection).
    rotateRefreshToken: true,
    ttl: { ...OIDC_TTL },
    renderError: pages.error,
    // Browsers may call the token and userinfo endpoints only from the origin of one of the client's redirect URIs.
    clientBasedCORS: (_ctx, origin, client) => origin !== 'null' && client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) === true,
    extraTokenClaims: async () => undefined,
  }
}

/** RFC 7009: a client revokes its own tokens; another client's is refused without saying whether it exists. */
async function ownTokenOnly(ctx: KoaContextWithOIDC, client: { clientId: string }, token: { clientId?: string }): Promise<boolean> {
  void ctx
  return token.clientId === client.clientId
}
