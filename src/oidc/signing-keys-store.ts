import { PostgresAdapter, sql } from 'kysely'
import type { Selectable } from 'kysely'
import type { Db, OidcSigningKeysTable } from '../platform/db.ts'

export type SigningKeyRow = Selectable<OidcSigningKeysTable>
export type NewSigningKey = Omit<SigningKeyRow, 'id' | 'retiredAt'>

/** SQL of the OIDC signing keys (migration 0011). */
export function createSigningKeyStore(db: Db) {
  return {
    /**
     * Makes `trx` the only writer of the keys until it ends, so two instances starting on an empty table (or two
     * rotations) do not both add keys. PostgreSQL: a table lock readers pass; SQLite: a write as the first statement
     * takes the database's write lock at once (a later one could fail on a stale snapshot instead of waiting).
     */
    async lockForWriting(trx: Db): Promise<void> {
      if (trx.getExecutor().adapter instanceof PostgresAdapter) {
        await sql`lock table oidc_signing_keys in share row exclusive mode`.execute(trx)
      } else {
        await trx.updateTable('oidcSigningKeys').set({ id: sql<number>`id` }).where(sql<boolean>`0 = 1`).execute()
      }
    },

    /** Every key, oldest first. */
    async listAll(trx: Db = db): Promise<SigningKeyRow[]> {
      return trx.selectFrom('oidcSigningKeys').selectAll().orderBy('id').execute()
    },

    async insert(trx: Db, key: NewSigningKey): Promise<void> {
      await trx.insertInto('oidcSigningKeys').values({ ...key, retiredAt: null }).execute()
    },

    /** The keys of `alg` not retiring yet retire at `at` (when their successor starts signing). */
    async retireCurrent(trx: Db, alg: SigningKeyRow['alg'], at: number): Promise<void> {
      await trx.updateTable('oidcSigningKeys').set({ retiredAt: at }).where('alg', '=', alg).where('retiredAt', 'is', null).execute()
    },

    /** Deletes the keys retired before `cutoff`; returns their kids. */
    async deleteRetiredBefore(cutoff: number): Promise<string[]> {
      const rows = await db.deleteFrom('oidcSigningKeys').where('retiredAt', 'is not', null).where('retiredAt', '<', cutoff)
        .returning('kid').execute()
      return rows.map((r) => r.kid).sort()
    },
  }
}

export type SigningKeyStore = ReturnType<typeof createSigningKeyStore>
