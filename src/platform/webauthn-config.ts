import { domainOfHost } from './http/allowed-hosts.ts'
import { ConfigError, csv, optionalString, string } from './env-parsers.ts'

// The passkey settings of API.md §12 (WEBAUTHN_*, MFA_REQUIRED_USER_TYPES), parsed for src/config.ts, which stays the one
// place configuration is read; here only to keep config.ts a readable size.

type Env = Record<string, string | undefined>

/** Passkeys (API.md §12): the relying party and the origins whose ceremonies are accepted; never from a request's Host. */
export type WebauthnConfig = { rpId: string; rpName: string; origins: readonly string[] }

/** `https://a.example.edu` is an origin of RP ID `example.edu` (WebAuthn: the RP ID is the host or a registrable suffix of it). */
function originHost(origin: string): string | null {
  try {
    const url = new URL(origin)
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== origin.replace(/\/$/, '')) return null
    return url.hostname
  } catch {
    return null
  }
}

const servesRpId = (host: string, rpId: string) => host === rpId || host.endsWith(`.${rpId}`)

/**
 * API.md §12: RP ID default the host of DOMAIN; origins default `{PROTOCOL}://{DOMAIN}` and those of CORS_ALLOWED_ORIGINS
 * under the RP ID (the others, such as the default 127.0.0.1 beside localhost, can never run a ceremony for it). A
 * WEBAUTHN_ORIGINS entry outside the RP ID stops the start: every passkey ceremony from it would fail.
 */
export function parseWebauthn(env: Env, site: { domain: string; protocol: string; siteName: string; corsAllowedOrigins: readonly string[] }): WebauthnConfig {
  const rpId = string(env, 'WEBAUTHN_RP_ID', domainOfHost(site.domain)).toLowerCase()
  if (!/^[a-z0-9.-]+$/.test(rpId) || rpId.startsWith('.') || rpId.endsWith('.')) {
    throw new ConfigError('WEBAUTHN_RP_ID', `must be a host name such as example.edu (no scheme, no port), got "${rpId}"`)
  }
  const explicit = optionalString(env, 'WEBAUTHN_ORIGINS')
  if (explicit === undefined) {
    const candidates = [`${site.protocol}://${site.domain}`, ...site.corsAllowedOrigins]
    const origins = [...new Set(candidates.filter((o) => { const host = originHost(o); return host !== null && servesRpId(host, rpId) }))]
    return { rpId, rpName: string(env, 'WEBAUTHN_RP_NAME', site.siteName), origins }
  }
  const origins = csv(env, 'WEBAUTHN_ORIGINS', [])
  for (const origin of origins) {
    const host = originHost(origin)
    if (host === null) throw new ConfigError('WEBAUTHN_ORIGINS', `must list origins such as https://accounts.example.edu, got "${origin}"`)
    if (!servesRpId(host, rpId)) throw new ConfigError('WEBAUTHN_ORIGINS', `has ${origin}, whose host is not WEBAUTHN_RP_ID (${rpId}) or a subdomain of it`)
  }
  return { rpId, rpName: string(env, 'WEBAUTHN_RP_NAME', site.siteName), origins: origins.map((o) => o.replace(/\/$/, '')) }
}

/** Comma-separated user types of API.md §4 (0 site admin … 5 student). */
export function parseUserTypes(env: Env, name: string): number[] {
  const types = csv(env, name, [])
  for (const type of types) {
    if (!/^[0-5]$/.test(type)) throw new ConfigError(name, `must list user types 0 to 5 separated by commas, got "${type}"`)
  }
  return [...new Set(types.map(Number))]
}
