// Django-compatible password hashing (django/contrib/auth/hashers.py, 3.2).
// New hashes are argon2id in Argon2PasswordHasher's encoding ('argon2' + PHC
// string); rows imported from the Django database may also hold argon2i or
// PBKDF2 hashes, which verify but report needsRehash so login upgrades them.
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'
import { argon2id, hash as argon2Hash, verify as argon2Verify } from 'argon2'

export type Argon2Cost = { memoryCost: number /* KiB */; timeCost: number; parallelism: number }

export type PasswordHasher = {
  hash(password: string): Promise<string>
  verify(password: string, encoded: string | null): Promise<boolean>
  needsRehash(encoded: string): boolean
  verifyDummy(password: string): Promise<void>
}

// Async only: pbkdf2Sync would block the event loop for every login.
const pbkdf2Async = promisify(pbkdf2)

// A crafted or corrupted imported row must not pin a CPU: Django 3.2 uses
// 260_000 PBKDF2 iterations (5.2: 1_000_000), nothing legitimate is above.
export const MAX_PBKDF2_ITERATIONS = 1_000_000
// Same threat for argon2, in memory: Django's defaults are m=102400 KiB, t=2,
// p=8. Bounds never go below the configured cost.
const ARGON2_MAX_MEMORY_KIB = 262_144
const ARGON2_MAX_TIME_COST = 10
const ARGON2_MAX_PARALLELISM = 16

// UNUSABLE_PASSWORD_PREFIX: set_unusable_password() stores '!' + random.
const UNUSABLE_PREFIX = '!'

const PBKDF2_DIGESTS: Readonly<Record<string, { digest: string; keyLength: number }>> = {
  pbkdf2_sha256: { digest: 'sha256', keyLength: 32 },
  pbkdf2_sha1: { digest: 'sha1', keyLength: 20 },
}

// Django re-encodes with '%d' % int(iterations) and compares whole strings,
// so only canonical decimal iteration counts can ever match.
const PBKDF2_PATTERN = /^(pbkdf2_sha256|pbkdf2_sha1)\$([1-9][0-9]{0,9})\$([^$]+)\$(.*)$/s
// 'argon2' + libargon2's encoding. The v= field is absent in hashes from
// argon2 1.2 (version 0x10), which Django's own tests still verify.
const ARGON2_PATTERN =
  /^argon2(\$(argon2id|argon2i)\$(?:v=(16|19)\$)?m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,8})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+)$/

type Argon2Parts = { phc: string; type: string; version: number; m: number; t: number; p: number }

const parseArgon2 = (encoded: string): Argon2Parts | null => {
  const match = ARGON2_PATTERN.exec(encoded)
  if (!match) return null
  const [, phc, type, version, m, t, p] = match as unknown as [string, string, string, string | undefined, string, string, string]
  return { phc, type, version: version === undefined ? 16 : Number(version), m: Number(m), t: Number(t), p: Number(p) }
}

// Base64 without padding, as in the PHC string format.
const b64 = (bytes: Buffer): string => bytes.toString('base64').replace(/=+$/, '')

const safeEqual = (a: string, b: string): boolean => {
  const left = Buffer.from(a, 'utf8')
  const right = Buffer.from(b, 'utf8')
  return left.length === right.length && timingSafeEqual(left, right)
}

type Outcome = 'match' | 'mismatch' | 'unverifiable'

const checkPbkdf2 = async (password: string, encoded: string): Promise<Outcome> => {
  const match = PBKDF2_PATTERN.exec(encoded)
  if (!match) return 'unverifiable'
  const [, algorithm, iterations, salt, expected] = match as unknown as [string, string, string, string, string]
  const spec = PBKDF2_DIGESTS[algorithm]
  const rounds = Number(iterations)
  if (!spec || rounds > MAX_PBKDF2_ITERATIONS) return 'unverifiable'
  const derived = await pbkdf2Async(Buffer.from(password, 'utf8'), Buffer.from(salt, 'utf8'), rounds, spec.keyLength, spec.digest)
  // Django keeps the '=' padding of base64.b64encode here.
  return safeEqual(derived.toString('base64'), expected) ? 'match' : 'mismatch'
}

export function createPasswordHasher(cost: Argon2Cost): PasswordHasher {
  const maxMemory = Math.max(cost.memoryCost, ARGON2_MAX_MEMORY_KIB)
  const maxTime = Math.max(cost.timeCost, ARGON2_MAX_TIME_COST)
  const maxParallelism = Math.max(cost.parallelism, ARGON2_MAX_PARALLELISM)

  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16)
    const raw = await argon2Hash(password, { ...cost, type: argon2id, hashLength: 32, salt, raw: true })
    // Built by hand: node-argon2 serialises params as m,p,t, which libargon2
    // (argon2-cffi, hence Django) refuses to decode. Keep m,t,p so a rollback
    // to the Django backend can still verify hashes written by this service.
    return `argon2$argon2id$v=19$m=${cost.memoryCost},t=${cost.timeCost},p=${cost.parallelism}$${b64(salt)}$${b64(raw)}`
  }

  const checkArgon2 = async (password: string, encoded: string): Promise<Outcome> => {
    const parts = parseArgon2(encoded)
    if (!parts || parts.m > maxMemory || parts.t > maxTime || parts.p > maxParallelism) return 'unverifiable'
    return (await argon2Verify(parts.phc, password)) ? 'match' : 'mismatch'
  }

  // Fixed hash at the configured cost, made on first use (not at import, so
  // constructing a hasher stays cheap), for the timing-equalising verify.
  let dummyPhc: Promise<string> | null = null
  const getDummyPhc = (): Promise<string> => {
    dummyPhc ??= hash(randomBytes(16).toString('base64')).then(
      (encoded) => encoded.slice('argon2'.length),
      (error: unknown) => {
        dummyPhc = null
        throw error
      },
    )
    return dummyPhc
  }

  // User enumeration by timing: a login for an unknown email (or a user with
  // no usable password) must cost one argon2 verify like a real one does.
  // Mirrors Django's check_password "fake_runtime" and ModelBackend's
  // UserModel().set_password(password) for unknown users (ticket #20760).
  const verifyDummy = async (password: string): Promise<void> => {
    await argon2Verify(await getDummyPhc(), password)
  }

  const verify = async (password: string, encoded: string | null): Promise<boolean> => {
    try {
      let outcome: Outcome = 'unverifiable'
      if (typeof password === 'string' && typeof encoded === 'string' && encoded !== '' && !encoded.startsWith(UNUSABLE_PREFIX)) {
        if (encoded.startsWith('argon2$')) outcome = await checkArgon2(password, encoded)
        else if (encoded.startsWith('pbkdf2_')) outcome = await checkPbkdf2(password, encoded)
      }
      if (outcome === 'unverifiable') await verifyDummy(typeof password === 'string' ? password : '')
      return outcome === 'match'
    } catch {
      // Malformed input that slipped past the patterns (e.g. a salt libargon2
      // rejects) is a non-match, never a 500.
      return false
    }
  }

  const needsRehash = (encoded: string): boolean => {
    const parts = typeof encoded === 'string' ? parseArgon2(encoded) : null
    return !(
      parts &&
      parts.type === 'argon2id' &&
      parts.version === 19 &&
      parts.m === cost.memoryCost &&
      parts.t === cost.timeCost &&
      parts.p === cost.parallelism
    )
  }

  return { hash, verify, needsRehash, verifyDummy }
}
