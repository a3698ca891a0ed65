import { isIPv6 } from 'node:net'

// Django's URLValidator (django/core/validators.py, 4.2) with `schemes=['http', 'https']` (API.md §1: no `javascript:`,
// `data:` or `ftp:` link an admin page could render), ported as it is so we accept and refuse the same URLs as the
// original's URLField ("Enter a valid URL."). WHATWG's `new URL` lost: it accepts `http:example.com` and `http://a`.
const UL = '\u00a1-\uffff'
const IPV4 = '(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)(?:\\.(?:0|25[0-5]|2[0-4][0-9]|1[0-9]?[0-9]?|[1-9][0-9]?)){3}'
const IPV6 = '\\[[0-9a-f:.]+\\]'
const HOSTNAME = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`
const DOMAIN = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?`
const HOST = `(?:${HOSTNAME}${DOMAIN}${TLD}|localhost)`
const URL_RE = new RegExp(
  `^(?:https?)://(?:[^\\s:@/]+(?::[^\\s:@/]*)?@)?(?:${IPV4}|${IPV6}|${HOST})(?::[0-9]{1,5})?(?:[/?#][^\\s]*)?$`, 'i',
)
const MAX_LENGTH = 2048

/** True for an absolute http(s) URL that Django's URLValidator accepts. */
export function isValidHttpUrl(value: string): boolean {
  if (value.length > MAX_LENGTH || /[\t\r\n]/.test(value) || !URL_RE.test(value)) return false
  const bracketed = /^[a-z]+:\/\/(?:[^\s:@/]+(?::[^\s:@/]*)?@)?\[([^\]]+)\]/i.exec(value)
  return bracketed === null || isIPv6(bracketed[1] ?? '')
}
