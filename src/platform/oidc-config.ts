import { ConfigError, optionalString } from './env-parsers.ts'

type Env = Record<string, string | undefined>

/**
 * OIDC_ISSUER (API.md §15): the `iss` of every ID token, so relying parties break when it changes; an http(s) URL
 * an origin only (the provider's endpoints are
 * routes of this service at its root). The default suits a developer's machine only: in production it is
 * worth a warning, since it would name an address no relying party can reach.
 */
export function parseOidcIssuer(env: Env, at: { host: string; port: number; production: boolean }, warnings: string[]): string {
  const value = optionalString(env, 'OIDC_ISSUER')
  if (value === undefined) {
    if (at.production) warnings.push(`OIDC_ISSUER is not set: using http://${at.host}:${at.port}. Set it to the service's public URL.`)
    return `http://${at.host}:${at.port}`
  }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError('OIDC_ISSUER', 'must be an http(s) URL')
  }
  if (!/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/$/, '').toLowerCase()) {
    throw new ConfigError('OIDC_ISSUER', 'must be an http(s) origin (scheme, host and port; no path, query or fragment)')
  }
  return url.origin
}
