import { lookup } from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { promisify } from 'node:util'
import ipaddr from 'ipaddr.js'
import { isValidHttpUrl } from './http-url.ts'

/** WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE: for development and tests only (README, .env.example). */
export type OutboundUrlPolicy = { allowHttp: boolean; allowPrivate: boolean }

const lookupAll = promisify(lookup)

/**
 * An address the service may call on someone's behalf: a public unicast one. Loopback, private, link-local (the cloud
 * metadata service at 169.254.169.254), carrier-grade NAT, unique-local, multicast, reserved and unspecified ranges are
 * refused (SSRF: a webhook must not reach the service's own network). ipaddr.js names the ranges; an IPv4-mapped IPv6
 * address is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range() === 'unicast'
}

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

/**
 * Checked when a webhook URL is saved (API.md §13): https (http with allowHttp), and every address the name has now
 * public. Delivery checks the addresses again, after its own DNS resolution (pinnedLookup), since DNS can change.
 */
export async function isAllowedOutboundUrl(text: string, policy: OutboundUrlPolicy): Promise<boolean> {
  if (!isValidHttpUrl(text)) return false
  const url = new URL(text)
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) return false
  if (policy.allowPrivate) return true
  try {
    const addresses = await lookupAll(hostOf(url), { all: true, verbatim: true })
    return addresses.length > 0 && addresses.every((a) => isPublicAddress(a.address))
  } catch {
    return false
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/**
 * A `lookup` for http.request: resolves the name, refuses it unless every address is public, and connects to the
 * address it checked, so a name cannot resolve to a public address for the check and a private one for the
 * connection (DNS rebinding). request-filtering-agent does the same at the socket; its own list of ranges would differ
 * from the check at creation above, so the one rule lives here.
 */
export function pinnedLookup(policy: OutboundUrlPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true, verbatim: true }, (error, addresses) => {
      if (error) return callback(error, [])
      if (!policy.allowPrivate && (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address)))) {
        const refused: NodeJS.ErrnoException = new Error(`${hostname} resolves to an address that is not public`)
        refused.code = 'ENOTPUBLIC'
        return callback(refused, [])
      }
      if (options.all) return callback(null, addresses)
      const [first] = addresses
      callback(null, first?.address ?? '', first?.family)
    })
  }
}
