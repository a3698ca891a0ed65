import type * as OidcProviderModule from 'oidc-provider'

/** oidc-provider's module, as src/oidc/ uses its values (the Provider class, its prompts, its error classes). */
export type OidcLibrary = typeof OidcProviderModule

let loading: Promise<OidcLibrary> | undefined

/**
 * oidc-provider, imported on the first OIDC request instead of at start-up: importing it (Koa and its own
 * dependencies) costs about 30 MB of resident memory (measured on Node 20: RSS +31.5 MB), which an instance that
 * serves no relying party should not carry (bench: peak RSS 144 MB before the provider, 170 MB with it imported
 * eagerly). Every other file imports only its types.
 */
export function loadOidcLibrary(): Promise<OidcLibrary> {
  loading ??= import('oidc-provider')
  return loading
}
