const DEFAULT_NEXT = '/account/'
const PLACEHOLDER_ORIGIN = 'http://same-origin.invalid'

/**
 * `?next=` of the sign-in page (API.md §14): a path of this service only. Anything that a browser would resolve to
 * another origin (`//evil.example`, `/\evil.example`, `https://…`, `javascript:`) or that holds control characters is
 * refused, and the default is used instead: an open redirect would make our sign-in page a phishing tool.
 */
export function safeNext(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return DEFAULT_NEXT
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return DEFAULT_NEXT
  let url: URL
  try {
    url = new URL(raw, PLACEHOLDER_ORIGIN)
  } catch {
    return DEFAULT_NEXT
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return DEFAULT_NEXT
  return `${url.pathname}${url.search}${url.hash}`
}

/** The sign-in page, returning to `next` afterwards; `reauth` says the admin console wants a fresh sign-in. */
export function loginPath(next: string, reauth = false): string {
  const query = new URLSearchParams({ next: safeNext(next) })
  if (reauth) query.set('reauth', '1')
  return `/login/?${query.toString()}`
}
