import assert from 'node:assert/strict'
import type { Reply } from './http.ts'

/** The attributes of a Set-Cookie line, name=value first, then the rest in any order. */
function parseSetCookie(line: string): { value: string; attributes: string[] } {
  const [pair = '', ...attributes] = line.split('; ')
  return { value: pair.slice(pair.indexOf('=') + 1), attributes: attributes.sort() }
}

function lineOf(reply: Reply, name: 'access' | 'refresh'): string {
  const lines = reply.setCookies.filter((l) => l.startsWith(`${name}=`))
  assert.equal(lines.length, 1, `one Set-Cookie for ${name}: ${JSON.stringify(reply.setCookies)}`)
  return lines[0] ?? ''
}

// RFC 9110's IMF-fixdate, which Django's http_date writes too: `Thu, 10 Dec 2026 07:30:00 GMT`.
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/

/**
 * Django's `set_cookie(max_age=…)` also writes `Expires` = now + max_age (API.md §3). Both it and the response's
 * `Date` are whole seconds taken a moment apart, so they may differ by one second, never more.
 * @see issue 11, item 1
 */
export function assertExpiresMatchesMaxAge(reply: Reply, expires: string | undefined, maxAgeSeconds: number): void {
  assert.ok(expires !== undefined, 'an Expires attribute')
  assert.match(expires, HTTP_DATE)
  const date = reply.headers.get('date') ?? ''
  assert.match(date, HTTP_DATE)
  const drift = Date.parse(expires) - Date.parse(date) - maxAgeSeconds * 1000
  assert.ok(Math.abs(drift) <= 1000, `Expires ${expires} is Date ${date} + ${maxAgeSeconds} s`)
}

/** API.md §3 with the test server's settings (Secure, SameSite=None, seven days, and the matching Expires). */
export function assertAuthCookie(reply: Reply, name: 'access' | 'refresh', value: string): void {
  const cookie = parseSetCookie(lineOf(reply, name))
  assert.equal(cookie.value, value)
  const expires = cookie.attributes.find((a) => a.startsWith('Expires='))
  assertExpiresMatchesMaxAge(reply, expires?.slice('Expires='.length), 604800)
  assert.deepEqual(cookie.attributes.filter((a) => a !== expires), ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=None', 'Secure'])
}

/** A deletion: empty, Max-Age=0, an Expires in the past, and the attributes it was set with. */
export function assertDeletedCookie(reply: Reply, name: 'access' | 'refresh'): void {
  const cookie = parseSetCookie(lineOf(reply, name))
  assert.equal(cookie.value, '')
  const expires = cookie.attributes.find((a) => a.startsWith('Expires='))
  assert.ok(expires !== undefined && Date.parse(expires.slice('Expires='.length)) < Date.now(), String(expires))
  assert.deepEqual(cookie.attributes.filter((a) => a !== expires), ['HttpOnly', 'Max-Age=0', 'Path=/', 'SameSite=None', 'Secure'])
}
