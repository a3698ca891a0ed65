import type Provider from 'oidc-provider'
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import type { FastifyBaseLogger } from 'fastify'
import { clientSecretMatches } from './client-secrets.ts'
import { loadOidcLibrary } from './library.ts'
import type { OidcLibrary } from './library.ts'

/** What the provider needs of the signing keys (signing-keys.ts): the private JWKs, signing key first per alg. */
export type Keystore = { keystore(now: number): Promise<{ keys: Record<string, unknown>[]; fingerprint: string }> }

/** How often an instance looks for a rotated key set (`keys rotate` in another process): a key is published within it. */
const KEYS_RECHECK_MS = 1000

/**
 * The OpenID Provider, rebuilt whenever the key set changes (a rotation, a next key that starts signing, a prune):
 * oidc-provider takes its keys at construction. Everything else it keeps is in the database (the adapter), so a
 * rebuilt provider carries on every session, interaction and grant.
 */
export function createProviderHolder(deps: {
  issuer: string
  keys: Keystore
  configure: (jwks: { keys: Record<string, unknown>[] }, library: OidcLibrary) => Configuration
  /** Believe X-Forwarded-Proto/-Host (only behind the proxies of TRUSTED_PROXIES). */
  proxy: boolean
  clock: () => number
  log: FastifyBaseLogger
  /** Koa middleware run around the provider's own (the end of UniLink's session with RP-initiated logout). */
  middleware: ((ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => Promise<void>)[]
}) {
  let current: { provider: Provider; fingerprint: string; checkedAt: number } | undefined
  let loading: Promise<Provider> | undefined

  async function build(keys: Record<string, unknown>[]): Promise<Provider> {
    const library = await loadOidcLibrary()
    const provider = new library.default(deps.issuer, deps.configure({ keys }, library))
    provider.proxy = deps.proxy
    // Koa's middleware type knows nothing of ctx.oidc, which the provider adds to every context.
    for (const middleware of deps.middleware) provider.use(middleware as unknown as Parameters<Provider['use']>[0])
    // Client secrets are stored as SHA-256 (client-secrets.ts): the metadata's client_secret is that hash.
    const prototype = provider.Client.prototype as unknown as { compareClientSecret(this: { clientSecret?: string }, actual: string): boolean }
    prototype.compareClientSecret = function compare(actual) { return clientSecretMatches(actual, this.clientSecret ?? null) }
    // Errors the provider answers as `server_error` are ours (the database, a bug): logged, never sent.
    provider.on('server_error', (_ctx: unknown, error: unknown) => deps.log.error({ err: error }, 'oidc-provider server_error'))
    return provider
  }

  async function load(): Promise<Provider> {
    const now = deps.clock()
    const { keys, fingerprint } = await deps.keys.keystore(now)
    if (current === undefined || current.fingerprint !== fingerprint) current = { provider: await build(keys), fingerprint, checkedAt: now }
    current.checkedAt = now
    return current.provider
  }

  return {
    /** The current provider; the key set is looked at again at most once a second. */
    async get(): Promise<Provider> {
      if (current !== undefined && deps.clock() - current.checkedAt < KEYS_RECHECK_MS) return current.provider
      loading ??= load().finally(() => { loading = undefined })
      return loading
    },
  }
}

export type ProviderHolder = ReturnType<typeof createProviderHolder>
