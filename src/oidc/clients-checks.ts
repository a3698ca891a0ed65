import type { FieldErrors } from '../platform/errors.ts'
import { isValidHttpUrl } from '../platform/http/http-url.ts'
import { MAX_REDIRECT_URIS, MAX_URI_LENGTH } from './clients-schemas.ts'

// The fields of a client that the route schema passes through (API.md §15), checked with the messages of the DRF
// fields they would have been: ListField(child=URLField), ChoiceField, BooleanField.

export const CLIENT_TYPES = ['confidential', 'public'] as const
export type ClientType = (typeof CLIENT_TYPES)[number]

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] | FieldErrors }

/** Python's type names, as DRF's messages put them. */
function pythonType(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  return typeof value === 'string' ? 'str' : 'dict'
}

/** RFC 8252 §7.3: native apps listen on the loopback interface over plain http; nothing else may receive a code unencrypted. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])
export const HTTPS_ONLY = 'Enter an https URL; http is allowed only on localhost, 127.0.0.1 or [::1].'
export const NO_FRAGMENT = 'A redirect URI may not contain a fragment (#).'

/** One redirect URI: a URL Django's URLValidator accepts, https (or http on loopback), no fragment (RFC 6749 §3.1.2). */
function redirectUriErrors(raw: unknown): { value?: string; errors?: string[] } {
  // A lone surrogate is not Unicode (API.md §1), refused like a wrong type.
  if (typeof raw !== 'string' || /\p{Cs}/u.test(raw)) return { errors: ['Not a valid string.'] }
  const value = raw.trim()
  if (value === '') return { errors: ['This field may not be blank.'] }
  if ([...value].length > MAX_URI_LENGTH) return { errors: [`Ensure this field has no more than ${MAX_URI_LENGTH} characters.`] }
  if (value.includes('\0')) return { errors: ['Null characters are not allowed.'] }
  if (!isValidHttpUrl(value)) return { errors: ['Enter a valid URL.'] }
  const url = new URL(value)
  const errors: string[] = []
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) errors.push(HTTPS_ONLY)
  // Redirect URIs are compared exactly, and a fragment would never reach the client's server anyway.
  if (value.includes('#')) errors.push(NO_FRAGMENT)
  return errors.length > 0 ? { errors } : { value }
}

/** DRF's ListField of URLs: a list, not empty where required, each item checked; duplicates dropped, order kept. */
export function checkUriList(raw: unknown, allowEmpty: boolean): Checked<string[]> {
  if (raw === null) return { ok: false, errors: ['This field may not be null.'] }
  if (!Array.isArray(raw)) return { ok: false, errors: [`Expected a list of items but got type "${pythonType(raw)}".`] }
  if (raw.length === 0 && !allowEmpty) return { ok: false, errors: ['This list may not be empty.'] }
  if (raw.length > MAX_REDIRECT_URIS) return { ok: false, errors: [`Ensure this field has no more than ${MAX_REDIRECT_URIS} elements.`] }
  const values: string[] = []
  const errors: FieldErrors = {}
  raw.forEach((item, index) => {
    const checked = redirectUriErrors(item)
    if (checked.errors) errors[String(index)] = checked.errors
    else if (checked.value !== undefined) values.push(checked.value)
  })
  // DRF's ListField reports its items' errors by index: {"redirect_uris": {"1": ["Enter a valid URL."]}}.
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: [...new Set(values)] }
}

export function checkClientType(raw: unknown): Checked<ClientType> {
  if (raw === null) return { ok: false, errors: ['This field may not be null.'] }
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : JSON.stringify(raw)
  const found = CLIENT_TYPES.find((t) => t === text)
  return found === undefined ? { ok: false, errors: [`"${text}" is not a valid choice.`] } : { ok: true, value: found }
}

// DRF's BooleanField.TRUE_VALUES and FALSE_VALUES (3.14): what a form or a script may send for a flag.
const TRUE_VALUES = new Set(['t', 'y', 'yes', 'true', 'on', '1'])
const FALSE_VALUES = new Set(['f', 'n', 'no', 'false', 'off', '0'])

export function checkBoolean(raw: unknown): Checked<boolean> {
  if (raw === null) return { ok: false, errors: ['This field may not be null.'] }
  if (typeof raw === 'boolean') return { ok: true, value: raw }
  if (raw === 1 || raw === 0) return { ok: true, value: raw === 1 }
  // DRF lists 'true', 'True' and 'TRUE' (not 'tRUE'): each spelling in lower case, upper case or capitalised.
  if (typeof raw === 'string' && [raw.toLowerCase(), raw.toUpperCase(), capitalised(raw)].includes(raw)) {
    if (TRUE_VALUES.has(raw.toLowerCase())) return { ok: true, value: true }
    if (FALSE_VALUES.has(raw.toLowerCase())) return { ok: true, value: false }
  }
  return { ok: false, errors: ['Must be a valid boolean.'] }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1).toLowerCase()
}
