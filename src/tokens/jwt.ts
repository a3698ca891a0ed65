import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto'

export type TokenType = 'access' | 'refresh'

/** SimpleJWT 5.2's claims, plus `sid` (our session id), which SimpleJWT ignores. Tokens without it are legacy. */
export type TokenClaims = {
  token_type: TokenType
  exp: number
  iat: number
  jti: string
  user_id: number
  sid?: string
  /** RFC 8176 methods of the login (API.md §12); SimpleJWT ignores it. Absent from legacy tokens. */
  amr?: string[]
}

export type VerifyResult =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'invalid' | 'wrong_type' }

/** The `amr` of a password login, and of every session opened before second factors existed. */
export const PASSWORD_ONLY: readonly string[] = ['pwd']

const BASE64URL = /^[A-Za-z0-9_-]+$/
/** Verified tokens remembered (oldest forgotten first): a few MB at most. */
const VERIFIED_CACHE_SIZE = 5000
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/** A base64url segment's JSON object, or null for anything else (bad characters, bad JSON, an array, a scalar). */
function decodeObject(segment: string): Record<string, unknown> | null {
  if (!BASE64URL.test(segment)) return null
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null
  } catch {
    return null
  }
}

/** The registered time claims as RFC 7519 (and jose, which this replaces) check them: numbers, not expired, not early. */
function timesValid(claims: Record<string, unknown>, nowSeconds: number): boolean {
  const { exp, nbf, iat } = claims
  if (exp !== undefined && (typeof exp !== 'number' || exp <= nowSeconds)) return false
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return false
  return iat === undefined || typeof iat === 'number'
}

/**
 * HS256 JWTs compatible with SimpleJWT's defaults, keyed by SECRET_KEY as Django's settings do. Signed and checked
 * with node:crypto's HMAC, synchronously: WebCrypto (jose) imports the key and queues each HMAC on libuv's threadpool,
 * where it waits behind password hashes during a login storm, and costs several times more per request.
 * Kept instead of fast-jwt (6.3, synchronous too, same token bytes for our claims): bench/micro/jwt.ts, 11 interleaved
 * rounds on the shared 2-core machine, median µs per operation: sign+verify of a fresh token 39.0 here against 46.1
 * (rounds 20-69 and 32-91), a verify of a token seen before 0.10 against 4.31 (fast-jwt's cache hashes the token and
 * checks its claims again); the second is what every authenticated request pays.
 */
export function createJwtCodec(secretKey: string, lifetimes: { access: number; refresh: number }) {
  const key = createSecretKey(Buffer.from(secretKey, 'utf8'))
  const signature = (signingInput: string) => createHmac('sha256', key).update(signingInput).digest('base64url')

  /** Signs a token; the same arguments (jti included) give the same token, which refresh retries rely on. */
  function sign(
    type: TokenType, userId: number, sessionId: string, now: number, jti = randomBytes(16).toString('hex'), amr: readonly string[] = PASSWORD_ONLY,
  ): TokenClaims & { token: string } {
    const iat = Math.floor(now / 1000)
    const claims: TokenClaims = {
      token_type: type,
      exp: iat + (type === 'access' ? lifetimes.access : lifetimes.refresh),
      iat,
      jti,
      user_id: userId,
      sid: sessionId,
      amr: [...amr],
    }
    const signingInput = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return { ...claims, token: `${signingInput}.${signature(signingInput)}` }
  }

  // A client sends the same access token with every request until it expires: its signature is checked and its
  // claims decoded once. Only tokens with a valid signature get in; the times are checked again on every use.
  const signedClaims = new Map<string, Record<string, unknown>>()

  /** The claims of a token whose HS256 signature is valid, or null. */
  function signedPayload(token: string): Record<string, unknown> | null {
    const known = signedClaims.get(token)
    if (known !== undefined) return known
    const parts = typeof token === 'string' ? token.split('.') : []
    if (parts.length !== 3) return null
    const [headerPart = '', payloadPart = '', signaturePart = ''] = parts
    const given = Buffer.from(signaturePart)
    const wanted = Buffer.from(signature(`${headerPart}.${payloadPart}`))
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) return null
    // Only HS256 is accepted, whatever the header claims, and no critical extension is understood (RFC 7515 §4.1.11).
    const header = decodeObject(headerPart)
    if (header === null || header.alg !== 'HS256' || header.crit !== undefined) return null
    const claims = decodeObject(payloadPart)
    if (claims === null) return null
    if (signedClaims.size >= VERIFIED_CACHE_SIZE) signedClaims.delete(signedClaims.keys().next().value ?? '')
    signedClaims.set(token, claims)
    return claims
  }

  /** Checks the HS256 signature, expiry, claim shapes and (if given) the expected type; never throws. */
  function verify(token: string, expected?: TokenType): VerifyResult {
    const invalid = { ok: false, reason: 'invalid' } as const
    const claims = signedPayload(token)
    if (claims === null || !timesValid(claims, Math.floor(Date.now() / 1000))) return invalid
    if (
      (claims.token_type !== 'access' && claims.token_type !== 'refresh') ||
      typeof claims.exp !== 'number' || typeof claims.jti !== 'string' ||
      typeof claims.user_id !== 'number' || !Number.isSafeInteger(claims.user_id)
    ) {
      return invalid
    }
    if (expected !== undefined && claims.token_type !== expected) return { ok: false, reason: 'wrong_type' }
    return { ok: true, claims: { ...claims, iat: typeof claims.iat === 'number' ? claims.iat : 0 } as TokenClaims }
  }

  /**
   * The jti of the refresh token that rotation gives for the token `jti`: derived, not random, so a retry within
   * REFRESH_TOKEN_REUSE_INTERVAL is answered with the very token the first refresh got (only hashes are stored, so it
   * cannot be read back). Keyed by SECRET_KEY: knowing a token's jti does not tell its successor's.
   */
  function successorJti(jti: string): string {
    return createHmac('sha256', key).update(`refresh-successor:${jti}`).digest('hex').slice(0, 32)
  }

  return { sign, verify, successorJti }
}

export type JwtCodec = ReturnType<typeof createJwtCodec>
