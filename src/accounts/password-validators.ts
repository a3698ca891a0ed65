// Port of Django's default AUTH_PASSWORD_VALIDATORS
// (django/contrib/auth/password_validation.py, 3.2; unchanged in 4.2), run in
// Django's order and returning every failing message, like the
// ValidationError(errors) that validate_password() raises. Messages must stay
// byte-identical: API clients of the old backend match on them.
import { readFileSync } from 'node:fs'
import { createSequenceMatcher } from './sequence-matcher.ts'

export type PasswordUserAttributes = {
  username?: string | null
  firstName?: string | null
  lastName?: string | null
  email?: string | null
}

const MAX_SIMILARITY = 0.7
const MIN_LENGTH = 8

// UserAttributeSimilarityValidator.DEFAULT_USER_ATTRIBUTES, in order, with
// the verbose names of the Django user model's fields.
const SIMILARITY_ATTRIBUTES = [
  ['username', 'username'],
  ['firstName', 'first name'],
  ['lastName', 'last name'],
  ['email', 'email'],
] as const

// Python's re `\W+` on str: \w is str.isalnum() or '_', i.e. letters and
// numbers of every script — but NOT combining marks, so a decomposed "é"
// splits the attribute there, as it does in Django.
const NON_WORD_RUN = /[^\p{L}\p{N}_]+/u

// str.strip() with no argument strips str.isspace() characters: unlike JS
// trim() that includes U+001C..U+001F and U+0085 and excludes U+FEFF.
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g')
const pyStrip = (s: string): string => s.replace(PY_STRIP, '')

// str.isdigit(): Numeric_Type Decimal (exactly \p{Nd}) or Digit; the Digit
// ones (superscripts, circled/parenthesised digits, ...) are listed from
// Python 3.11's Unicode 14 tables.
const PY_IS_DIGIT =
  /^[\p{Nd}\u00B2\u00B3\u00B9\u1369-\u1371\u19DA\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u2474-\u247C\u2488-\u2490\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u

// Python len() counts code points, not UTF-16 units.
const pyLen = (s: string): number => Array.from(s).length

// exceeds_maximum_length_ratio (CVE-2021-45115 fix): skip values so much
// shorter than the password that similarity can't reach the threshold, to
// bound the SequenceMatcher cost of a huge password.
const exceedsMaximumLengthRatio = (password: string, value: string): boolean => {
  const pwdLen = pyLen(password)
  const valueLen = pyLen(value)
  return pwdLen >= 10 * valueLen && valueLen < (MAX_SIMILARITY / 2) * pwdLen
}

const similarAttribute = (password: string, user: PasswordUserAttributes): string | null => {
  const pw = password.toLowerCase()
  for (const [key, verboseName] of SIMILARITY_ATTRIBUTES) {
    const value = user[key]
    if (!value) continue
    const valueLower = value.toLowerCase()
    for (const part of [...valueLower.split(NON_WORD_RUN), valueLower]) {
      if (exceedsMaximumLengthRatio(pw, part)) continue
      // Django compares quick_ratio() only (an upper bound of ratio()), so an
      // anagram of the username is "too similar"; kept for parity.
      if (createSequenceMatcher(pw, part).quickRatio() >= MAX_SIMILARITY) return verboseName
    }
  }
  return null
}

export function validatePassword(
  password: string,
  user: PasswordUserAttributes,
  commonPasswords: ReadonlySet<string>,
): string[] {
  const errors: string[] = []
  const similar = similarAttribute(password, user)
  if (similar !== null) errors.push(`The password is too similar to the ${similar}.`)
  if (pyLen(password) < MIN_LENGTH) {
    errors.push(`This password is too short. It must contain at least ${MIN_LENGTH} characters.`)
  }
  if (commonPasswords.has(pyStrip(password.toLowerCase()))) errors.push('This password is too common.')
  if (PY_IS_DIGIT.test(password)) errors.push('This password is entirely numeric.')
  return errors
}

// CommonPasswordValidator.__init__: `{x.strip() for x in f}` over a file
// opened in text mode (universal newlines). A trailing newline does not
// produce an empty entry, but a genuinely blank line does.
export function loadCommonPasswords(path: string): Set<string> {
  const lines = readFileSync(path, 'utf8').split(/\r\n|\r|\n/)
  if (lines.at(-1) === '') lines.pop()
  return new Set(lines.map(pyStrip))
}
