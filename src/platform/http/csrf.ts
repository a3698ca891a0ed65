import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

function originOfUrl(value: string): string | null {
  try {
    const url = new URL(value)
    return url.origin === 'null' ? null : url.origin
  } catch {
    return null
  }
}

/**
 * Django's CSRF origin check, for requests a browser authenticates with our cookies (API.md §11): an unsafe method
 * whose Origin (or, lacking it, Referer) is neither this service nor a CORS-allowed origin is refused, and so is
 * `Sec-Fetch-Site: cross-site` from an untrusted origin. Requests with neither header are not from a browser (curl,
 * scripts) and pass: cookies are only sent automatically by browsers, which always send Origin on unsafe requests.
 */
export function assertTrustedOrigin(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  if (SAFE_METHODS.has(request.method)) return
  const own = `${request.protocol}://${request.host}`
  const originHeader = request.headers.origin
  const referer = request.headers.referer
  const claimed = originHeader ?? (referer !== undefined ? (originOfUrl(referer) ?? referer) : undefined)
  const trusted = (origin: string) => origin === own || allowedOrigins.includes(origin)
  if (claimed !== undefined && !trusted(claimed)) {
    throw new AppError(403, 'CSRF_FAILED', { detail: `CSRF Failed: Origin checking failed - ${claimed} does not match any trusted origins.` })
  }
  if (claimed === undefined && request.headers['sec-fetch-site'] === 'cross-site') {
    throw new AppError(403, 'CSRF_FAILED', { detail: 'CSRF Failed: Origin checking failed - cross-site request without an Origin.' })
  }
}
