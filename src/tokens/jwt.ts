import { randomBytes } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose'

export type TokenType = 'access' | 'refresh'

/** SimpleJWT 5.2's claims, plus `sid` (our session id), which SimpleJWT ignores. Tokens without it are legacy. */
export type TokenClaims = {
  token_type: TokenType
  exp: number
  iat: number
  jti: string
  user_id: number
  sid?: string
}

export type VerifyResult =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: 'invalid' | 'wrong_type' }

/** HS256 JWTs compatible with SimpleJWT's defaults, keyed by SECRET_KEY as Django's settings do. */
export function createJwtCodec(secretKey: string, lifetimes: { access: number; refresh: number }) {
  const key = new TextEncoder().encode(secretKey)

  async function sign(type: TokenType, userId: number, sessionId: string, now: number): Promise<TokenClaims & { token: string }> {
    const iat = Math.floor(now / 1000)
    const claims: TokenClaims = {
      token_type: type,
      exp: iat + (type === 'access' ? lifetimes.access : lifetimes.refresh),
      iat,
      jti: randomBytes(16).toString('hex'),
      user_id: userId,
      sid: sessionId,
    }
    const token = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key)
    return { ...claims, token }
  }

  /** Checks signature, expiry, claim shapes and (if given) the expected type; never throws. */
  async function verify(token: string, expected?: TokenType): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] })
      const claims = payload as Partial<TokenClaims>
      if (
        (claims.token_type !== 'access' && claims.token_type !== 'refresh') ||
        typeof claims.exp !== 'number' || typeof claims.jti !== 'string' ||
        typeof claims.user_id !== 'number' || !Number.isSafeInteger(claims.user_id)
      ) {
        return { ok: false, reason: 'invalid' }
      }
      if (expected !== undefined && claims.token_type !== expected) return { ok: false, reason: 'wrong_type' }
      return { ok: true, claims: { ...claims, iat: typeof claims.iat === 'number' ? claims.iat : 0 } as TokenClaims }
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof TypeError) return { ok: false, reason: 'invalid' }
      throw error
    }
  }

  return { sign, verify }
}

export type JwtCodec = ReturnType<typeof createJwtCodec>
