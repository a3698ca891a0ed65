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
}

export function createTokenStore(db: Db) {
  return {
    async insertSession(trx: Db, session: Omit<SessionRow, 'revokedAt'>): Promise<void> {
      await trx.insertInto('authSessions').values({ ...session, revokedAt: null }).execute()
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
        .select(['refreshTokens.sessionId', 'refreshTokens.userId', 'refreshTokens.retiredAt', 'authSessions.revokedAt'])
        .where('refreshTokens.jtiHash', '=', hashJti(jti))
        .executeTakeFirst()
    },

    /** Retires a refresh token if nobody did yet; false means another request already used it. */
    async retireRefreshToken(trx: Db, jti: string, now: number): Promise<boolean> {
      const result = await trx.updateTable('refreshTokens').set({ retiredAt: now })
        .where('jtiHash', '=', hashJti(jti)).where('retiredAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
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
    async revokeSessionOfUser(sessionId: string, userId: number, now: number): Promise<boolean> {
      const result = await db.updateTable('authSessions').set({ revokedAt: now })
        .where('id', '=', sessionId).where('userId', '=', userId).where('revokedAt', 'is', null).where('expiresAt', '>', now)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    async revokeSessionsOfUser(trx: Db, userId: number, now: number): Promise<void> {
      await trx.updateTable('authSessions').set({ revokedAt: now })
        .where('userId', '=', userId).where('revokedAt', 'is', null).execute()
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
