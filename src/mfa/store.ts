import type { Selectable } from 'kysely'
import type { Db, WebauthnCredentialsTable } from '../platform/db.ts'

export type CredentialRow = Selectable<WebauthnCredentialsTable>
export type ChallengeRow = { challenge: string; purpose: 'register' | 'login'; userId: number | null; mfaTokenHash: string | null; expiresAt: number }

// An id beyond PostgreSQL's integer names no credential; asked for, it would fail the query instead.
const INT32_MAX = 2_147_483_647
const storableId = (id: number) => Number.isSafeInteger(id) && id >= 1 && id <= INT32_MAX

/**
 * The SQL of API.md §12. A function given `trx` runs inside the caller's transaction: on SQLite that is the one
 * connection, so a read inside a transaction must go through it, not through `db`, or it waits for itself.
 */
export function createMfaStore(db: Db) {
  return {
    async findTotp(userId: number, trx: Db = db) {
      return trx.selectFrom('mfaTotp').selectAll().where('userId', '=', userId).executeTakeFirst()
    },

    /** A new pending setup replaces a pending one; never a confirmed one (false then). */
    async savePendingTotp(trx: Db, userId: number, secret: string, now: number): Promise<boolean> {
      const result = await trx.insertInto('mfaTotp').values({ userId, secret, createdAt: now, confirmedAt: null, lastUsedStep: null })
        .onConflict((oc) => oc.column('userId').doUpdateSet({ secret, createdAt: now }).where('mfaTotp.confirmedAt', 'is', null))
        .executeTakeFirst()
      return result.numInsertedOrUpdatedRows === 1n
    },

    /**
     * Takes time step `step` for the user's authenticator (pending or confirmed, as `confirmed` says): one compare-and-set,
     * so of two requests with the same code one wins, and a code of a step at or before the last used one never does.
     */
    async useTotpStep(trx: Db, userId: number, step: number, confirmed: boolean, now: number): Promise<boolean> {
      const result = await trx.updateTable('mfaTotp')
        .set({ lastUsedStep: step, ...(confirmed ? {} : { confirmedAt: now }) })
        .where('userId', '=', userId)
        .where('confirmedAt', confirmed ? 'is not' : 'is', null)
        .where((eb) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', step)]))
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    async deleteTotp(trx: Db, userId: number): Promise<void> {
      await trx.deleteFrom('mfaTotp').where('userId', '=', userId).execute()
    },

    async replaceRecoveryCodes(trx: Db, userId: number, hashes: readonly string[]): Promise<void> {
      await trx.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute()
      await trx.insertInto('mfaRecoveryCodes').values(hashes.map((codeHash) => ({ userId, codeHash, usedAt: null }))).execute()
    },

    /** Marks an unused code of the user used; false when there is none with that hash (of two parallel uses one wins). */
    async useRecoveryCode(trx: Db, userId: number, codeHash: string, now: number): Promise<boolean> {
      const result = await trx.updateTable('mfaRecoveryCodes').set({ usedAt: now })
        .where('userId', '=', userId).where('codeHash', '=', codeHash).where('usedAt', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows >= 1n
    },

    async recoveryCodesLeft(userId: number, trx: Db = db): Promise<number> {
      const row = await trx.selectFrom('mfaRecoveryCodes').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('userId', '=', userId).where('usedAt', 'is', null).executeTakeFirstOrThrow()
      return Number(row.n)
    },

    async deleteRecoveryCodes(trx: Db, userId: number): Promise<void> {
      await trx.deleteFrom('mfaRecoveryCodes').where('userId', '=', userId).execute()
    },

    async listCredentials(userId: number, trx: Db = db): Promise<CredentialRow[]> {
      return trx.selectFrom('webauthnCredentials').selectAll().where('userId', '=', userId).orderBy('id').execute()
    },

    async findCredentialByCredentialId(credentialId: string, trx: Db = db): Promise<CredentialRow | undefined> {
      return trx.selectFrom('webauthnCredentials').selectAll().where('credentialId', '=', credentialId).executeTakeFirst()
    },

    async findCredentialOfUser(id: number, userId: number): Promise<CredentialRow | undefined> {
      if (!storableId(id)) return undefined
      return db.selectFrom('webauthnCredentials').selectAll().where('id', '=', id).where('userId', '=', userId).executeTakeFirst()
    },

    async insertCredential(trx: Db, row: Omit<CredentialRow, 'id'>): Promise<CredentialRow> {
      return trx.insertInto('webauthnCredentials').values(row).returningAll().executeTakeFirstOrThrow()
    },

    async renameCredential(id: number, userId: number, name: string): Promise<CredentialRow | undefined> {
      if (!storableId(id)) return undefined
      return db.updateTable('webauthnCredentials').set({ name }).where('id', '=', id).where('userId', '=', userId).returningAll().executeTakeFirst()
    },

    async deleteCredential(trx: Db, id: number, userId: number): Promise<boolean> {
      if (!storableId(id)) return false
      const result = await trx.deleteFrom('webauthnCredentials').where('id', '=', id).where('userId', '=', userId).executeTakeFirst()
      return result.numDeletedRows === 1n
    },

    /**
     * Records a use: the new signature counter, only if the stored one is still the one checked against (a parallel
     * use of a cloned authenticator loses), and when.
     */
    async recordCredentialUse(trx: Db, id: number, checkedCounter: number, newCounter: number, now: number): Promise<boolean> {
      const result = await trx.updateTable('webauthnCredentials').set({ counter: newCounter, lastUsedAt: now })
        .where('id', '=', id).where('counter', '=', checkedCounter).executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    async deleteCredentialsOfUser(trx: Db, userId: number): Promise<void> {
      await trx.deleteFrom('webauthnCredentials').where('userId', '=', userId).execute()
    },

    async insertChallenge(row: ChallengeRow): Promise<void> {
      await db.insertInto('webauthnChallenges').values(row).execute()
    },

    /** Removes and returns a live challenge: each works once. */
    async takeChallenge(trx: Db, challenge: string, now: number): Promise<ChallengeRow | undefined> {
      const row = await trx.deleteFrom('webauthnChallenges').where('challenge', '=', challenge).returningAll().executeTakeFirst()
      return row !== undefined && row.expiresAt > now ? row : undefined
    },

    async insertMfaToken(row: { tokenHash: string; userId: number; passwordStamp: string; attemptsLeft: number; expiresAt: number }): Promise<void> {
      await db.insertInto('mfaTokens').values({ ...row, usedAt: null }).execute()
    },

    /** The user of a live mfa_token (unused, unexpired, attempts left), without spending anything. */
    async liveMfaToken(tokenHash: string, now: number) {
      return db.selectFrom('mfaTokens').select(['userId', 'passwordStamp', 'attemptsLeft']).where('tokenHash', '=', tokenHash)
        .where('usedAt', 'is', null).where('expiresAt', '>', now).where('attemptsLeft', '>', 0).executeTakeFirst()
    },

    /** Spends one attempt of a live mfa_token, atomically: of parallel attempts no more than the allowance get through. */
    async spendMfaAttempt(trx: Db, tokenHash: string, now: number) {
      return trx.updateTable('mfaTokens').set((eb) => ({ attemptsLeft: eb('attemptsLeft', '-', 1) }))
        .where('tokenHash', '=', tokenHash).where('usedAt', 'is', null).where('expiresAt', '>', now).where('attemptsLeft', '>', 0)
        .returning(['userId', 'passwordStamp']).executeTakeFirst()
    },

    /** Uses the token up; false when another request did first. */
    async finishMfaToken(trx: Db, tokenHash: string, now: number): Promise<boolean> {
      const result = await trx.updateTable('mfaTokens').set({ usedAt: now }).where('tokenHash', '=', tokenHash).where('usedAt', 'is', null).executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    async deleteMfaTokensOfUser(trx: Db, userId: number): Promise<void> {
      await trx.deleteFrom('mfaTokens').where('userId', '=', userId).execute()
      await trx.deleteFrom('webauthnChallenges').where('userId', '=', userId).execute()
    },

    /** What the status and the login ask: one query for the confirmed authenticator and the number of passkeys. */
    async factorsOf(userId: number, trx: Db = db): Promise<{ totp: boolean; passkeys: number }> {
      const row = await trx.selectFrom('users')
        .select((eb) => [
          eb.exists(eb.selectFrom('mfaTotp').select('userId').where('mfaTotp.userId', '=', userId).where('confirmedAt', 'is not', null)).as('totp'),
          eb.selectFrom('webauthnCredentials').select((e) => e.fn.countAll<number>().as('n')).where('webauthnCredentials.userId', '=', userId).as('passkeys'),
        ])
        .where('users.id', '=', userId).executeTakeFirst()
      return { totp: Boolean(row?.totp), passkeys: Number(row?.passkeys ?? 0) }
    },

    async pruneExpired(now: number): Promise<void> {
      await db.deleteFrom('webauthnChallenges').where('expiresAt', '<', now).execute()
      await db.deleteFrom('mfaTokens').where('expiresAt', '<', now).execute()
    },
  }
}

export type MfaStore = ReturnType<typeof createMfaStore>
