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

/** API.md §3 with the test server's settings (Secure, SameSite=None, seven days). */
export function assertAuthCookie(reply: Reply, name: 'access' | 'refresh', value: string): void {
  const cookie = parseSetCookie(lineOf(reply, name))
  assert.equal(cookie.value, value)
  assert.deepEqual(cookie.attributes, ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=None', 'Secure'])
}

/** A deletion: empty, Max-Age=0, an Expires in the past, and the attributes it was set with. */
export function assertDeletedCookie(reply: Reply, name: 'access' | 'refresh'): void {
  const cookie = parseSetCookie(lineOf(reply, name))
  assert.equal(cookie.value, '')
  const expires = cookie.attributes.find((a) => a.startsWith('Expires='))
  assert.ok(expires !== undefined && Date.parse(expires.slice('Expires='.length)) < Date.now(), String(expires))
  assert.deepEqual(cookie.attributes.filter((a) => a !== expires), ['HttpOnly', 'Max-Age=0', 'Path=/', 'SameSite=None', 'Secure'])
}
