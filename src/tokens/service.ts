import { randomBytes } from 'node:crypto'
import { AppError } from '../platform/errors.ts'
import type { Db } from '../platform/db.ts'
import type { User } from '../accounts/user.ts'
import { PASSWORD_ONLY } from './jwt.ts'
import type { JwtCodec, TokenClaims } from './jwt.ts'
import type { TokenStore } from './store.ts'
import type { SessionWithUser } from './session-lookup.ts'
import type { AuditRecorder } from '../audit/record.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

export type Principal = { user: User; claims: TokenClaims }
export type LoginMeta = { ip: string | null; userAgent: string | null }
export type TokenPair = { access: string; refresh: string }
/** How a login proved who it is, as its `login.succeeded` event names it (API.md §13). */
export type LoginMethod = 'password' | 'totp' | 'recovery_code' | 'passkey'

/** The session row's `amr` column as the claim. */
export function amrOf(column: string | null): readonly string[] {
  return column === null || column === '' ? PASSWORD_ONLY : column.split(',')
}

const BLACKLISTED = 'Token is blacklisted'
const INVALID = 'Token is invalid or expired'

export function createTokenService(deps: {
  db: Db
  store: TokenStore
  /** The session and user of an access token (session-lookup.ts). */
  findSession: (sessionId: string) => Promise<SessionWithUser | null>
  jwt: JwtCodec
  findActiveUser: (id: number) => Promise<User | undefined>
  refreshLifetime: number
  rotateRefreshTokens: boolean
  reuseInterval: number
  clock: () => number
  audit: AuditRecorder
}) {
  const { db, store, jwt } = deps

  /** Tokens minted before the user's last credential change are dead (API.md §11); legacy ones by `iat`. */
  function issuedBeforeChange(user: User, claims: TokenClaims): boolean {
    return claims.iat * 1000 < Math.floor(user.tokensValidAfter / 1000) * 1000
  }

  /** Resolves a refresh token of ours to the session it continues, or throws SimpleJWT's 401. */
  async function sessionOfRefresh(user: User, claims: TokenClaims): Promise<{ sessionId: string; amr: readonly string[] }> {
    const record = await store.findRefreshToken(claims.jti)
    if (record === undefined || record.userId !== user.id || record.revokedAt !== null) throw AppError.tokenNotValid(BLACKLISTED)
    return { sessionId: record.sessionId, amr: amrOf(record.amr) }
  }

  /** A refresh token minted by the Django deployment: accepted once (the request that revokes its id), as a new session of ours. */
  async function continueLegacyRefresh(user: User, claims: TokenClaims, now: number): Promise<TokenPair> {
    const opened = await db.transaction().execute(async (trx) =>
      (await store.revokeJti(trx, claims.jti, claims.exp * 1000)) ? openSession(trx, user.id, { ip: null, userAgent: null }, now) : null)
    if (opened === null) throw AppError.tokenNotValid(BLACKLISTED)
    return { access: jwt.sign('access', user.id, opened.sessionId, now).token, refresh: opened.refresh }
  }

  /**
   * Rotation with reuse detection (API.md §11): the presented token is retired and its successor becomes the newest.
   * A retired token presented again means it was copied, so the whole session is revoked; except the token retired
   * last, within REFRESH_TOKEN_REUSE_INTERVAL: a second tab, or a retry of a refresh whose answer was lost, gets the
   * successor the first refresh got, so neither signs the other out.
   */
  async function rotate(
    user: User, session: { sessionId: string; amr: readonly string[] }, claims: TokenClaims, now: number, context: RequestContext,
  ): Promise<TokenPair> {
    const { sessionId, amr } = session
    const successor = jwt.successorJti(claims.jti)
    const refresh = await db.transaction().execute(async (trx) => {
      const next = jwt.sign('refresh', user.id, sessionId, now, successor, amr)
      const rotation = { sessionId, presentedJti: claims.jti, nextJti: successor, now, expiresAt: now + deps.refreshLifetime * 1000 }
      if (await store.rotateSession(trx, rotation)) {
        await store.insertRefreshToken(trx, { jti: successor, sessionId, userId: user.id, issuedAt: now, expiresAt: next.exp * 1000 })
        return next.token
      }
      const since = now - deps.reuseInterval * 1000
      const rotatedAt = deps.reuseInterval > 0 ? await store.rotationOfRetiredLast(trx, sessionId, claims.jti, now, since) : null
      // Signed as at that rotation: the same claims and jti give the very token the first refresh got (already stored).
      if (rotatedAt !== null) return jwt.sign('refresh', user.id, sessionId, rotatedAt, successor, amr).token
      await store.revokeSession(trx, sessionId, now)
      await deps.audit.record(trx, {
        type: 'token.reuse_detected', context, userId: user.id, universityId: user.universityId, sessionId,
        data: { revoked_session_id: sessionId },
      })
      return null
    })
    // Thrown after the transaction commits, so the revocation of the reused session is kept.
    if (refresh === null) throw AppError.tokenNotValid(BLACKLISTED)
    return { access: jwt.sign('access', user.id, sessionId, now, undefined, amr).token, refresh }
  }

  /** The token's own user, active, and the token minted after the user's last credential change. */
  function usable(user: User, claims: TokenClaims): boolean {
    return user.id === claims.user_id && user.isActive && !issuedBeforeChange(user, claims)
  }

  /** The principal of a session's access token; null if the session is unknown or revoked, or its user unusable. */
  function principalOf(session: SessionWithUser | null, claims: TokenClaims): Principal | null {
    if (session === null || session.revokedAt !== null || !usable(session.user, claims)) return null
    return { user: session.user, claims }
  }

  async function sessionPrincipal(sid: string, claims: TokenClaims): Promise<Principal | null> {
    return principalOf(await deps.findSession(sid), claims)
  }

  /** A token minted by the Django deployment: its user, and its id not revoked. */
  async function legacyPrincipal(claims: TokenClaims): Promise<Principal | null> {
    const user = await deps.findActiveUser(claims.user_id)
    if (user === undefined || issuedBeforeChange(user, claims)) return null
    return (await store.isJtiRevoked(claims.jti)) ? null : { user, claims }
  }

  /** A refresh token's session usable, and the token itself not retired. */
  async function refreshUsable(sid: string, claims: TokenClaims): Promise<boolean> {
    if (await sessionPrincipal(sid, claims) === null) return false
    const record = await store.findRefreshToken(claims.jti)
    return record !== undefined && record.retiredAt === null
  }

  /** Not revoked in any way of API.md §11 (nor its user gone or inactive); a retired refresh token counts as revoked. */
  async function isUsable(claims: TokenClaims): Promise<boolean> {
    if (claims.sid === undefined) return await legacyPrincipal(claims) !== null
    if (claims.token_type === 'refresh') return refreshUsable(claims.sid, claims)
    return await sessionPrincipal(claims.sid, claims) !== null
  }

  /** A new session and its first refresh token. */
  async function openSession(
    trx: Db, userId: number, meta: LoginMeta, now: number, amr: readonly string[] = PASSWORD_ONLY,
  ): Promise<{ sessionId: string; refresh: string }> {
    const sessionId = randomBytes(16).toString('base64url')
    const refresh = jwt.sign('refresh', userId, sessionId, now, undefined, amr)
    await store.insertSession(trx, {
      id: sessionId, userId, createdAt: now, lastUsedAt: now, expiresAt: now + deps.refreshLifetime * 1000,
      ip: meta.ip?.slice(0, 64) ?? null, userAgent: meta.userAgent?.slice(0, 512) ?? null, amr: amr.join(','),
    }, refresh.jti)
    await store.insertRefreshToken(trx, { jti: refresh.jti, sessionId, userId, issuedAt: now, expiresAt: refresh.exp * 1000 })
    return { sessionId, refresh: refresh.token }
  }

  return {
    /**
     * POST /api/jwt/create/ (and the second-factor logins of API.md §12): a new session and its first token pair,
     * both carrying the login's `amr`, as every token of the session will.
     */
    async login(user: User, context: RequestContext, amr: readonly string[] = PASSWORD_ONLY, method: LoginMethod = 'password'): Promise<TokenPair> {
      const now = deps.clock()
      return db.transaction().execute(async (trx) => {
        const { sessionId, refresh } = await openSession(trx, user.id, context, now, amr)
        // In the login's transaction (API.md §13): the session exists exactly when its event does. The one
        // `login.succeeded` of a login, whichever factors it took (the second-factor steps record none of their own).
        await deps.audit.record(trx, {
          type: 'login.succeeded', context: { ...context, actorId: user.id }, userId: user.id, universityId: user.universityId, sessionId,
          data: { method, amr },
        })
        return { access: jwt.sign('access', user.id, sessionId, now, undefined, amr).token, refresh }
      })
    },

    /** POST /api/jwt/refresh/: a new access token, and with rotation (the default) a new refresh token. */
    async refresh(token: string, context: RequestContext): Promise<{ access: string; refresh?: string }> {
      const verified = jwt.verify(token, 'refresh')
      if (!verified.ok) throw AppError.tokenNotValid(verified.reason === 'wrong_type' ? 'Token has wrong type' : INVALID)
      const { claims } = verified
      const now = deps.clock()
      const user = await deps.findActiveUser(claims.user_id)
      // Deactivation and deletion revoke every token of the user (API.md §11): refresh says so, as for a logout.
      if (user === undefined || issuedBeforeChange(user, claims)) throw AppError.tokenNotValid(BLACKLISTED)
      if (claims.sid === undefined) return continueLegacyRefresh(user, claims, now)
      const session = await sessionOfRefresh(user, claims)
      if (deps.rotateRefreshTokens) return rotate(user, session, claims, now, context)
      await db.transaction().execute((trx) => store.touchSession(trx, session.sessionId, now, claims.exp * 1000))
      return { access: jwt.sign('access', user.id, session.sessionId, now, undefined, session.amr).token }
    },

    /** POST /api/jwt/verify/: any valid, unrevoked token of an active user. */
    async verify(token: string): Promise<void> {
      const verified = jwt.verify(token)
      if (!verified.ok || !await isUsable(verified.claims)) throw AppError.tokenNotValid(INVALID)
    },

    /** The principal of an access token; null for a bad, expired or revoked one. */
    async authenticate(token: string): Promise<Principal | null> {
      const verified = jwt.verify(token, 'access')
      if (!verified.ok) return null
      const { claims } = verified
      return claims.sid === undefined ? legacyPrincipal(claims) : sessionPrincipal(claims.sid, claims)
    },

    /** POST /api/logout/: ends the calling session and the session of the refresh token presented, if any. */
    async logout(principal: Principal, refreshToken: string | undefined, context: RequestContext): Promise<void> {
      const now = deps.clock()
      const refresh = refreshToken === undefined ? undefined : jwt.verify(refreshToken, 'refresh')
      const { user } = principal
      await db.transaction().execute(async (trx) => {
        const ended = new Set<string | null>()
        for (const claims of [principal.claims, refresh?.ok ? refresh.claims : undefined]) {
          if (claims === undefined || claims.user_id !== user.id) continue
          if (claims.sid !== undefined) await store.revokeSession(trx, claims.sid, now)
          else await store.revokeJti(trx, claims.jti, claims.exp * 1000)
          ended.add(claims.sid ?? null)
        }
        // One event per session ended (the access and refresh tokens of one session are one logout).
        for (const sid of ended) {
          await deps.audit.record(trx, {
            type: 'session.revoked', context, userId: user.id, universityId: user.universityId, data: { reason: 'logout', revoked_session_id: sid },
          })
        }
      })
    },

    revokeSessionsOfUser: (trx: Db, userId: number, now: number) => store.revokeSessionsOfUser(trx, userId, now),

    /** API.md §12: enrolling or removing a factor ends every other session of the user; `keep` is the calling one. */
    revokeOtherSessions: (trx: Db, userId: number, keep: string | undefined, now: number) => store.revokeSessionsOfUser(trx, userId, now, keep),

    /** A login its rate limit refused before any check: recorded as failed (API.md §13), with the email it named. */
    async recordThrottledLogin(context: RequestContext, email: string | null): Promise<void> {
      await deps.audit.record(db, { type: 'login.failed', context, data: { reason: 'throttled', email, method: 'password' } })
    },
  }
}

export type TokenService = ReturnType<typeof createTokenService>
