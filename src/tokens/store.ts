import { createHash } from 'node:crypto'
import type { Db } from '../platform/db.ts'

/** Only hashes of token ids are stored: a leaked table cannot be turned back into tokens. */
export function hashJti(jti: string): string {
  return createHash('sha256').update(jti).digest('hex')
}

export type SessionRow = {
  id: string
  userId: number
  createdAt: number
  lastUsedAt: number
  expiresAt: number
  ip: string | null
  userAgent: string | null
  revokedAt: number | null
  /** RFC 8176 methods, comma-joined; null means `pwd` (sessions older than API.md §12). */
  amr: string | null
}

export function createTokenStore(db: Db) {
  return {
    /** A new session whose newest refresh token is `refreshJti`. */
    async insertSession(trx: Db, session: Omit<SessionRow, 'revokedAt'>, refreshJti: string): Promise<void> {
      await trx.insertInto('authSessions').values({
        ...session, revokedAt: null, refreshJtiHash: hashJti(refreshJti), retiredJtiHash: null, rotatedAt: null,
      }).execute()
    },

    async insertRefreshToken(trx: Db, row: { jti: string; sessionId: string; userId: number; issuedAt: number; expiresAt: number }): Promise<void> {
      await trx.insertInto('refreshTokens').values({
        jtiHash: hashJti(row.jti), sessionId: row.sessionId, userId: row.userId,
        issuedAt: row.issuedAt, expiresAt: row.expiresAt, retiredAt: null,
      }).execute()
    },

    async findRefreshToken(jti: string) {
      return db.selectFrom('refreshTokens')
        .innerJoin('authSessions', 'authSessions.id', 'refreshTokens.sessionId')
        .select(['refreshTokens.sessionId', 'refreshTokens.userId', 'refreshTokens.retiredAt', 'authSessions.revokedAt', 'authSessions.amr'])
        .where('refreshTokens.jtiHash', '=', hashJti(jti))
        .executeTakeFirst()
    },

    /**
     * Rotation as one compare-and-set on the session row: `presented` becomes the token retired last and `next` the
     * newest, only if `presented` is still the newest of a live session. False means another request rotated it first
     * (or it was never the newest): of parallel refreshes with one token exactly one gets true.
     */
    async rotateSession(trx: Db, rotation: { sessionId: string; presentedJti: string; nextJti: string; now: number; expiresAt: number }): Promise<boolean> {
      const presented = hashJti(rotation.presentedJti)
      const result = await trx.updateTable('authSessions')
        .set({
          refreshJtiHash: hashJti(rotation.nextJti),
          retiredJtiHash: presented,
          rotatedAt: rotation.now,
          lastUsedAt: rotation.now,
          expiresAt: rotation.expiresAt,
        })
        .where('id', '=', rotation.sessionId).where('refreshJtiHash', '=', presented).where('revokedAt', 'is', null)
        .executeTakeFirst()
      if (result.numUpdatedRows !== 1n) return false
      await trx.updateTable('refreshTokens').set({ retiredAt: rotation.now }).where('jtiHash', '=', presented).execute()
      return true
    },

    /**
     * When `jti` is the token the live session retired last, at or after `since`: the instant of that rotation (and the
     * session is marked used); null otherwise. One conditional update, so it answers for the row as it is, not as read.
     */
    async rotationOfRetiredLast(trx: Db, sessionId: string, jti: string, now: number, since: number): Promise<number | null> {
      const row = await trx.updateTable('authSessions').set({ lastUsedAt: now })
        .where('id', '=', sessionId).where('retiredJtiHash', '=', hashJti(jti)).where('rotatedAt', '>=', since).where('revokedAt', 'is', null)
        .returning('rotatedAt').executeTakeFirst()
      return row?.rotatedAt ?? null
    },

    async touchSession(trx: Db, sessionId: string, now: number, expiresAt: number): Promise<void> {
      await trx.updateTable('authSessions').set({ lastUsedAt: now, expiresAt }).where('id', '=', sessionId).execute()
    },

    async revokeSession(trx: Db, sessionId: string, now: number): Promise<void> {
      await trx.updateTable('authSessions').set({ revokedAt: now })
        .where('id', '=', sessionId).where('revokedAt', 'is', null).execute()
    },

    /** Sessions that can still be continued: not revoked, not expired; newest first. */
    async listLiveSessions(userId: number, now: number): Promise<SessionRow[]> {
      return db.selectFrom('authSessions').selectAll()
        .where('userId', '=', userId).where('revokedAt', 'is', null).where('expiresAt', '>', now)
        .orderBy('createdAt', 'desc').orderBy('id').execute()
    },

    /** Revokes one live session of a user; false when the user has no such session. */
    async revokeSessionOfUser(trx: Db, sessionId: string, userId: number, now: number): Promise<boolean> {
      const result = await trx.updateTable('authSessions').set({ revokedAt: now })
        .where('id', '=', sessionId).where('userId', '=', userId).where('revokedAt', 'is', null).where('expiresAt', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /** Every live session of the user, but `except` (the caller's own, when a factor changes: API.md §12). */
    async revokeSessionsOfUser(trx: Db, userId: number, now: number, except?: string): Promise<void> {
      let query = trx.updateTable('authSessions').set({ revokedAt: now }).where('userId', '=', userId).where('revokedAt', 'is', null)
      if (except !== undefined) query = query.where('id', '!=', except)
      await query.execute()
    },

    /**
     * For tokens without a session (minted by the Django deployment): remember their id until they expire. False
     * when it was revoked already, so of two concurrent uses only one wins.
     */
    async revokeJti(trx: Db, jti: string, expiresAt: number): Promise<boolean> {
      const result = await trx.insertInto('revokedTokens').values({ jtiHash: hashJti(jti), expiresAt })
        .onConflict((oc) => oc.column('jtiHash').doNothing()).executeTakeFirst()
      return result.numInsertedOrUpdatedRows === 1n
    },

    /**
     * Keeps the token tables bounded: an expired session or token can never be valid again, and a token whose session
     * row is gone is refused (unknown session), so deleting them loses no revocation.
     */
    async pruneExpired(now: number): Promise<number> {
      const tokens = await db.deleteFrom('refreshTokens').where('expiresAt', '<', now).executeTakeFirst()
      const sessions = await db.deleteFrom('authSessions').where('expiresAt', '<', now).executeTakeFirst()
      const revoked = await db.deleteFrom('revokedTokens').where('expiresAt', '<', now).executeTakeFirst()
      return Number(tokens.numDeletedRows + sessions.numDeletedRows + revoked.numDeletedRows)
    },

    async isJtiRevoked(jti: string): Promise<boolean> {
      const row = await db.selectFrom('revokedTokens').select('jtiHash').where('jtiHash', '=', hashJti(jti)).executeTakeFirst()
      return row !== undefined
    },
  }
}

export type TokenStore = ReturnType<typeof createTokenStore>
