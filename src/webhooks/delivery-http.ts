import http from 'node:http'
import https from 'node:https'
import { pinnedLookup } from '../platform/http/public-url.ts'
import type { OutboundUrlPolicy } from '../platform/http/public-url.ts'

/** API.md §13: any 2xx within 10 s is delivered. */
export const DELIVERY_TIMEOUT_MS = 10_000

export type PostOutcome = { statusCode: number | null; error: string | null }

/**
 * POSTs a body and reads the status; redirects are not followed (a 3xx is a failed attempt), the addresses are checked
 * after DNS (pinnedLookup), the whole exchange is bounded by DELIVERY_TIMEOUT_MS. Node's http client and not fetch: fetch
 * (undici) takes a custom lookup only through an undici Agent, a dependency of its own for the one option.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, policy: OutboundUrlPolicy, signal: AbortSignal): Promise<PostOutcome> {
  const target = new URL(url)
  const client = target.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const timeout = AbortSignal.timeout(DELIVERY_TIMEOUT_MS)
    const request = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'UniLink-Webhooks/1' },
      lookup: pinnedLookup(policy),
      signal: AbortSignal.any([signal, timeout]),
    }, (response) => {
      // The body is read (and dropped) so the connection closes cleanly; only the status counts.
      response.on('data', () => {})
      response.on('end', () => resolve({ statusCode: response.statusCode ?? null, error: null }))
      response.on('error', (error) => resolve({ statusCode: response.statusCode ?? null, error: error.message }))
    })
    request.on('error', (error) => {
      resolve({ statusCode: null, error: timeout.aborted ? `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s` : error.message })
    })
    request.end(body)
  })
}
