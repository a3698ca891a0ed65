import { domainToASCII } from 'node:url'

// Django's EmailValidator (django/core/validators.py), so that we accept and reject the same addresses as the
// original backend and answer "Enter a valid email address." for the same inputs.
// Django's quoted-local-part rule names control characters on purpose.
const USER_RE = // eslint-disable-next-line no-control-regex
  /^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$/i
const DOMAIN_RE = /^(?:[A-Z0-9](?:[A-Z0-9-]{0,61}[A-Z0-9])?\.)+[A-Z0-9-]{2,63}$/i
const LITERAL_RE = /^\[([A-F0-9:.]+)\]$/i

export function isValidEmail(value: string): boolean {
  if (value === '' || value.length > 320 || !value.includes('@')) return false
  const at = value.lastIndexOf('@')
  const user = value.slice(0, at)
  const domain = value.slice(at + 1)
  if (!USER_RE.test(user)) return false
  if (domain === 'localhost' || isValidDomain(domain)) return true
  // Django retries with the IDNA (punycode) form, so internationalised domains are accepted.
  const ascii = domainToASCII(domain)
  return ascii !== '' && ascii !== domain && isValidDomain(ascii)
}

function isValidDomain(domain: string): boolean {
  if (DOMAIN_RE.test(domain)) return !domain.endsWith('-')
  const literal = LITERAL_RE.exec(domain)
  return literal !== null && isIpLiteral(literal[1] ?? '')
}

function isIpLiteral(ip: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip)
  if (v4) return v4.slice(1).every((part) => Number(part) <= 255 && !/^0\d/.test(part))
  return ip.includes(':') && /^[0-9a-f:.]+$/i.test(ip)
}
