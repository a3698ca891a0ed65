// Verification of the older hashers a Django deployment can hold in its users table
// (django/contrib/auth/hashers.py, 3.2 and 4.2): PBKDF2, bcrypt, scrypt and the
// unsalted/salted MD5 and SHA1 leftovers. Nothing here writes such hashes; a row
// that verifies is re-hashed to argon2id by the login that proved the password.
import { createHash, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto'
import type { ScryptOptions } from 'node:crypto'
import { promisify } from 'node:util'
import bcrypt from 'bcryptjs'

export type HashCheck = 'match' | 'mismatch' | 'unverifiable'

// Async only: the *Sync variants would block the event loop for every login.
const pbkdf2Async = promisify(pbkdf2)
const scryptAsync = promisify(scrypt) as (password: Buffer, salt: Buffer, keylen: number, options: ScryptOptions) => Promise<Buffer>

// A crafted or corrupted imported row must not pin a CPU (or fill memory). The caps sit well above what Django
// ever wrote by default: PBKDF2 260_000 (3.2) to 1_000_000 (5.2) iterations; bcrypt 12 rounds (2^12), and
// bcryptjs is pure JS, ~0.6 s at 12 and ~1 s at 13 here; scrypt N=2^14, r=8, p=1 (16 MiB).
export const MAX_PBKDF2_ITERATIONS = 1_000_000
export const MAX_BCRYPT_ROUNDS = 13
export const MAX_SCRYPT_MEMORY_BYTES = 256 * 1024 * 1024
export const MAX_SCRYPT_PARALLELISM = 16

/** Constant-time equality of two strings (their UTF-8 bytes), as Django's constant_time_compare. */
export const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

const outcome = (same: boolean): HashCheck => (same ? 'match' : 'mismatch')

const PBKDF2_DIGESTS: Readonly<Record<string, { digest: string; keyLength: number }>> = {
  pbkdf2_sha256: { digest: 'sha256', keyLength: 32 },
  pbkdf2_sha1: { digest: 'sha1', keyLength: 20 },
}

// Django re-encodes with '%d' % int(iterations) and compares whole strings,
// so only canonical decimal iteration counts can ever match.
const PBKDF2_PATTERN = /^(pbkdf2_sha256|pbkdf2_sha1)\$([1-9][0-9]{0,9})\$([^$]+)\$(.*)$/s

async function checkPbkdf2(password: string, encoded: string): Promise<HashCheck> {
  const match = PBKDF2_PATTERN.exec(encoded)
  if (!match) return 'unverifiable'
  const [, algorithm, iterations, salt, expected] = match as unknown as [string, string, string, string, string]
  const spec = PBKDF2_DIGESTS[algorithm]
  const rounds = Number(iterations)
  if (!spec || rounds > MAX_PBKDF2_ITERATIONS) return 'unverifiable'
  const derived = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), rounds, spec.keyLength, spec.digest)
  // Django keeps the '=' padding of base64.b64encode here.
  return outcome(safeEqual(derived.toString('base64'), expected))
}

// 'bcrypt$' / 'bcrypt_sha256$' + the modular crypt string: $2a$/$2b$/$2y$, two-digit cost, 22 + 31 chars.
const BCRYPT_PATTERN = /^(bcrypt|bcrypt_sha256)\$(\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/

async function checkBcrypt(password: string, encoded: string): Promise<HashCheck> {
  const match = BCRYPT_PATTERN.exec(encoded)
  if (!match) return 'unverifiable'
  const [, algorithm, salt, cost, checksum] = match as unknown as [string, string, string, string, string]
  if (Number(cost) < 4 || Number(cost) > MAX_BCRYPT_ROUNDS) return 'unverifiable'
  // BCryptSHA256PasswordHasher pre-hashes to the hex SHA-256 (#20138: bcrypt ignores bytes past 72); plain
  // BCryptPasswordHasher feeds the UTF-8 password, which bcrypt truncates at 72 bytes, as libbcrypt does.
  const input = algorithm === 'bcrypt_sha256' ? createHash('sha256').update(password, 'utf8').digest('hex') : password
  // Django re-encodes with the stored salt and compares whole strings: so do we.
  const recomputed = await bcrypt.hash(input, salt)
  return outcome(safeEqual(recomputed, `${salt}${checksum}`))
}

// ScryptPasswordHasher (Django 4.0+): 'scrypt$' n '$' salt '$' r '$' p '$' base64(64-byte key).
const SCRYPT_PATTERN = /^scrypt\$([1-9][0-9]{0,9})\$([^$]+)\$([1-9][0-9]{0,3})\$([1-9][0-9]{0,3})\$([A-Za-z0-9+/=]+)$/

async function checkScrypt(password: string, encoded: string): Promise<HashCheck> {
  const match = SCRYPT_PATTERN.exec(encoded)
  if (!match) return 'unverifiable'
  const [, nText, salt, rText, pText, expected] = match as unknown as [string, string, string, string, string, string]
  const [n, r, p] = [Number(nText), Number(rText), Number(pText)]
  // scrypt needs 128 * N * r bytes (plus 128 * r * p); N must be a power of two.
  const memory = 128 * n * r + 128 * r * p
  if ((n & (n - 1)) !== 0 || n < 2 || memory > MAX_SCRYPT_MEMORY_BYTES || p > MAX_SCRYPT_PARALLELISM) return 'unverifiable'
  const derived = await scryptAsync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), 64, { N: n, r, p, maxmem: memory + 1024 * 1024 })
  return outcome(safeEqual(derived.toString('base64'), expected))
}

const hexDigest = (algorithm: 'md5' | 'sha1', text: string): string => createHash(algorithm).update(text, 'utf8').digest('hex')

// MD5PasswordHasher / SHA1PasswordHasher: '<algorithm>$<salt>$<hexdigest(salt + password)>'. Django asserts the
// salt is non-empty (an empty one means the unsalted hashers, recognised by length below).
function checkSaltedDigest(password: string, encoded: string): HashCheck {
  const [algorithm, salt, ...rest] = encoded.split('$')
  if ((algorithm !== 'md5' && algorithm !== 'sha1') || salt === undefined || salt === '' || rest.length === 0) return 'unverifiable'
  return outcome(safeEqual(`${algorithm}$${salt}$${hexDigest(algorithm, salt + password)}`, encoded))
}

/**
 * identify_hasher's special cases: a bare 32-char MD5 hex digest or 'md5$$' + one (UnsaltedMD5PasswordHasher,
 * pre-1.0 Django), and 'sha1$$' + a 40-char digest (UnsaltedSHA1PasswordHasher).
 */
function checkUnsalted(password: string, encoded: string): HashCheck | null {
  if ((encoded.length === 32 && !encoded.includes('$')) || (encoded.length === 37 && encoded.startsWith('md5$$'))) {
    return outcome(safeEqual(hexDigest('md5', password), encoded.slice(encoded.length - 32)))
  }
  if (encoded.length === 46 && encoded.startsWith('sha1$$')) return outcome(safeEqual(`sha1$$${hexDigest('sha1', password)}`, encoded))
  return null
}

/**
 * Checks a password against any Django hash format other than argon2 (which the caller handles at its own cost
 * caps). 'unverifiable' means the format is unknown, malformed, or costs more than the caps allow: such a row
 * never matches. CryptPasswordHasher (crypt(3), removed in Django 5.0) is not supported.
 */
export async function checkLegacyDjangoHash(password: string, encoded: string): Promise<HashCheck> {
  const unsalted = checkUnsalted(password, encoded)
  if (unsalted !== null) return unsalted
  const algorithm = encoded.slice(0, encoded.indexOf('$'))
  switch (algorithm) {
    case 'pbkdf2_sha256':
    case 'pbkdf2_sha1':
      return checkPbkdf2(password, encoded)
    case 'bcrypt':
    case 'bcrypt_sha256':
      return checkBcrypt(password, encoded)
    case 'scrypt':
      return checkScrypt(password, encoded)
    case 'md5':
    case 'sha1':
      return checkSaltedDigest(password, encoded)
    default:
      return 'unverifiable'
  }
}
