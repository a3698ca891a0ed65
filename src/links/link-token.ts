// Port of Django's PasswordResetTokenGenerator (django/contrib/auth/tokens.py,
// 3.1+ sha256 tokens, identical in 4.2) plus the uid helpers Djoser puts in
// mailed links (urlsafe_base64_encode(force_bytes(pk))). Tokens are stateless:
// they die when the password, last_login or email they hash changes, or after
// the timeout.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export type LinkPurpose = 'activation' | 'password_reset' | 'email_reset'

export type LinkTokenUser = {
  id: number
  password: string | null
  lastLogin: Date | null
  email: string
  /** Epoch ms of the user's last credential change or deactivation (users.tokens_valid_after); see acceptsLegacyActivation. */
  tokensValidAfter?: number
}

export type LinkTokens = {
  make(user: LinkTokenUser, purpose: LinkPurpose, now?: Date): string
  check(user: LinkTokenUser, purpose: LinkPurpose, token: string, now?: Date): boolean
}

// Django's own salt, so reset links mailed by the old backend keep working.
export const PASSWORD_RESET_KEY_SALT = 'django.contrib.auth.tokens.PasswordResetTokenGenerator'
// Distinct salts per purpose: a token minted for activation must not be
// replayable as a password-reset token (Djoser used one generator for both).
export const ACTIVATION_KEY_SALT = 'unilink.accounts.activation'
export const EMAIL_RESET_KEY_SALT = 'unilink.accounts.email_reset'

export const LINK_KEY_SALTS: Readonly<Record<LinkPurpose, string>> = {
  activation: ACTIVATION_KEY_SALT,
  password_reset: PASSWORD_RESET_KEY_SALT,
  email_reset: EMAIL_RESET_KEY_SALT,
}

/**
 * Djoser's activation links from the Django deployment were made with Django's default salt (one generator for
 * every purpose), so they are accepted for activation too, but only where activation is all they can do: the user
 * has never logged in (not a deactivated account following an old reset link), and the token is younger than the
 * user's last deactivation or credential change. Reset links stay bound to reset. Whether the account is active
 * already is not asked here: the activation flow answers a valid link of an active account as stale (403), one check
 * for both kinds of link, as Djoser does (a used link stays valid until the first login changes last_login).
 */
function acceptsLegacyActivation(user: LinkTokenUser, timestamp: number): boolean {
  const mintedAt = EPOCH_2001_MS + timestamp * 1000
  return user.lastLogin === null && mintedAt >= Math.floor((user.tokensValidAfter ?? 0) / 1000) * 1000
}

// Django's PASSWORD_RESET_TIMEOUT default since 3.1: 3 days.
export const DEFAULT_LINK_TIMEOUT_SECONDS = 259_200

// Django counts from datetime(2001, 1, 1). It uses naive datetime.now(), i.e.
// settings.TIME_ZONE wall-clock; we count in UTC (the old deployment's TZ).
const EPOCH_2001_MS = Date.UTC(2001, 0, 1)

// base36_to_int refuses more than 13 digits to bound the work of int().
const TOKEN_PATTERN = /^([0-9a-z]{1,13})-([0-9a-f]{32})$/

// _num_seconds: int() of a timedelta's total_seconds truncates toward zero.
const numSeconds = (now: Date): number => Math.trunc((now.getTime() - EPOCH_2001_MS) / 1000)

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

// str(last_login.replace(microsecond=0, tzinfo=None)) for a UTC datetime.
const pythonDateTimeString = (d: Date): string =>
  `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
  `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`

// _make_hash_value: pk, password hash, last_login and email, so using the
// link (which changes password or last_login) invalidates it.
const hashValue = (user: LinkTokenUser, timestamp: number): string => {
  const loginTimestamp = user.lastLogin === null ? '' : pythonDateTimeString(user.lastLogin)
  return `${user.id}${user.password ?? ''}${loginTimestamp}${timestamp}${user.email}`
}

// django.utils.crypto.salted_hmac(key_salt, value, secret, algorithm='sha256').
const saltedHmacHex = (keySalt: string, value: string, secret: string): string => {
  const key = createHash('sha256').update(keySalt + secret, 'utf8').digest()
  return createHmac('sha256', key).update(value, 'utf8').digest('hex')
}

export function createLinkTokens(secretKey: string, opts: { timeoutSeconds?: number } = {}): LinkTokens {
  const timeoutSeconds = opts.timeoutSeconds ?? DEFAULT_LINK_TIMEOUT_SECONDS

  const makeWithTimestamp = (user: LinkTokenUser, keySalt: string, timestamp: number): string => {
    const hex = saltedHmacHex(keySalt, hashValue(user, timestamp), secretKey)
    // hexdigest()[::2]: every other hex char, "to shorten the URL".
    const shortened = Array.from(hex).filter((_, i) => i % 2 === 0).join('')
    return `${timestamp.toString(36)}-${shortened}`
  }

  return {
    make(user, purpose, now = new Date()) {
      const timestamp = numSeconds(now)
      // int_to_base36 raises on negatives; so do we (clock before 2001).
      if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new RangeError('invalid token clock')
      return makeWithTimestamp(user, LINK_KEY_SALTS[purpose], timestamp)
    },

    check(user, purpose, token, now = new Date()) {
      if (typeof token !== 'string') return false
      const parsed = TOKEN_PATTERN.exec(token)
      if (!parsed) return false
      const timestamp = parseInt(parsed[1] as string, 36)
      if (!Number.isSafeInteger(timestamp)) return false
      // Comparing the whole recomputed token (as Django does) also rejects
      // non-canonical timestamps such as leading zeros.
      const matches = (keySalt: string): boolean => {
        const expected = Buffer.from(makeWithTimestamp(user, keySalt, timestamp), 'utf8')
        const given = Buffer.from(token, 'utf8')
        return expected.length === given.length && timingSafeEqual(expected, given)
      }
      const valid = matches(LINK_KEY_SALTS[purpose]) ||
        (purpose === 'activation' && acceptsLegacyActivation(user, timestamp) && matches(PASSWORD_RESET_KEY_SALT))
      // Django rejects only when strictly older than the timeout; a future
      // timestamp passes (it could only be minted with the secret key).
      return valid && numSeconds(now) - timestamp <= timeoutSeconds
    },
  }
}

// Djoser's encode_uid: urlsafe_base64_encode(force_bytes(pk)), no padding.
export function encodeUid(id: number): string {
  if (!Number.isSafeInteger(id) || id < 1) throw new RangeError('uid must be a positive integer')
  return Buffer.from(String(id), 'utf8').toString('base64url')
}

// Stricter than Django's lenient b64decode + int(): only the canonical
// encoding of a positive integer is accepted, so one user has one uid.
export function decodeUid(uid: string): number | null {
  if (typeof uid !== 'string' || uid.length > 24 || !/^[A-Za-z0-9_-]+$/.test(uid)) return null
  const decimal = Buffer.from(uid, 'base64url').toString('latin1')
  if (!/^[1-9][0-9]*$/.test(decimal)) return null
  const id = Number(decimal)
  if (!Number.isSafeInteger(id) || encodeUid(id) !== uid) return null
  return id
}
