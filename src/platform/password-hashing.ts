// Django-compatible password hashing (django/contrib/auth/hashers.py, 3.2).
// New hashes are argon2id in Argon2PasswordHasher's encoding ('argon2' + PHC
// string); rows imported from the Django database may hold any hash Django
// wrote (argon2i, PBKDF2, bcrypt, scrypt, MD5/SHA1 leftovers: see
// legacy-password-hashes.ts), which verify but report needsRehash so login
// upgrades them.
import { randomBytes } from 'node:crypto'
import { argon2id, hash as argon2Hash, verify as argon2Verify } from 'argon2'
import { checkLegacyDjangoHash } from './legacy-password-hashes.ts'
import type { HashCheck } from './legacy-password-hashes.ts'

export { MAX_BCRYPT_ROUNDS, MAX_PBKDF2_ITERATIONS } from './legacy-password-hashes.ts'

export type Argon2Cost = { memoryCost: number /* KiB */; timeCost: number; parallelism: number }

export type PasswordHasher = {
  hash(password: string): Promise<string>
  verify(password: string, encoded: string | null): Promise<boolean>
  needsRehash(encoded: string): boolean
  verifyDummy(password: string): Promise<void>
}

// A crafted or corrupted imported row must not pin a CPU or fill memory (the
// other formats' caps are in legacy-password-hashes.ts). Django's argon2
// defaults are m=102400 KiB, t=2, p=8. Bounds never go below the configured cost.
const ARGON2_MAX_MEMORY_KIB = 262_144
const ARGON2_MAX_TIME_COST = 10
const ARGON2_MAX_PARALLELISM = 16

// UNUSABLE_PASSWORD_PREFIX: set_unusable_password() stores '!' + random.
const UNUSABLE_PREFIX = '!'

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

/** Runs at most `limit` tasks at once; the others wait for a free slot, first come first served. */
function createTaskLimiter(limit: number) {
  let running = 0
  const waiting: (() => void)[] = []
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (running < limit) running += 1
    else await new Promise<void>((resolve) => waiting.push(resolve))
    try {
      return await task()
    } finally {
      // The slot passes straight to the next waiter, if any.
      const next = waiting.shift()
      if (next !== undefined) next()
      else running -= 1
    }
  }
}

/**
 * `concurrency` bounds the hashes computed at once. Each takes a libuv thread and a core for tens of milliseconds and
 * `memoryCost` of memory: unbounded, a login storm would take every core from the event loop (and so from every
 * other request) and hold threadpool-size × memoryCost. Waiting logins queue here instead.
 */
export function createPasswordHasher(cost: Argon2Cost, options: { concurrency?: number } = {}): PasswordHasher {
  const limited = createTaskLimiter(options.concurrency ?? Number.POSITIVE_INFINITY)
  const maxMemory = Math.max(cost.memoryCost, ARGON2_MAX_MEMORY_KIB)
  const maxTime = Math.max(cost.timeCost, ARGON2_MAX_TIME_COST)
  const maxParallelism = Math.max(cost.parallelism, ARGON2_MAX_PARALLELISM)

  const hash = async (password: string): Promise<string> => {
    const salt = randomBytes(16)
    const raw = await limited(() => argon2Hash(password, { ...cost, type: argon2id, hashLength: 32, salt, raw: true }))
    // Built by hand: node-argon2 serialises params as m,p,t, which libargon2
    // (argon2-cffi, hence Django) refuses to decode. Keep m,t,p so a rollback
    // to the Django backend can still verify hashes written by this service.
    return `argon2$argon2id$v=19$m=${cost.memoryCost},t=${cost.timeCost},p=${cost.parallelism}$${b64(salt)}$${b64(raw)}`
  }

  const checkArgon2 = async (password: string, encoded: string): Promise<HashCheck> => {
    const parts = parseArgon2(encoded)
    if (!parts || parts.m > maxMemory || parts.t > maxTime || parts.p > maxParallelism) return 'unverifiable'
    return (await limited(() => argon2Verify(parts.phc, password))) ? 'match' : 'mismatch'
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
    const phc = await getDummyPhc()
    await limited(() => argon2Verify(phc, password))
  }

  const verify = async (password: string, encoded: string | null): Promise<boolean> => {
    try {
      let outcome: HashCheck = 'unverifiable'
      if (typeof password === 'string' && typeof encoded === 'string' && encoded !== '' && !encoded.startsWith(UNUSABLE_PREFIX)) {
        outcome = encoded.startsWith('argon2$') ? await checkArgon2(password, encoded) : await limited(() => checkLegacyDjangoHash(password, encoded))
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
