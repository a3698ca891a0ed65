import type { Db } from '../platform/db.ts'

/** One stored instance of an oidc-provider model, with the lookups its adapter contract needs (oidc/adapter.ts). */
export type OidcPayloadRow = {
  model: string
  id: string
  payload: Record<string, unknown>
  grantId: string | null
  userCode: string | null
  uid: string | null
  accountId: string | null
  expiresAt: number | null
}

export type FoundOidcPayload = { payload: Record<string, unknown>; consumedAt: number | null }

// The columns are varchar(255): a longer value names no row, and PostgreSQL is never asked to compare one (a token or
// uid in a request is attacker-controlled and may be of any length).
const MAX_KEY = 255
const fits = (value: string) => value.length > 0 && value.length <= MAX_KEY

function parsePayload(text: string): Record<string, unknown> {
  return JSON.parse(text) as Record<string, unknown>
}

/** SQL of the provider's storage: one table for every model, keyed by (model, id). */
export function createOidcPayloadStore(db: Db) {
  const live = (now: number) => db.selectFrom('oidcPayloads')
    .select(['payload', 'consumedAt'])
    .where((eb) => eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', now)]))

  /** The ids of a model's rows whose payload.accountId is the user's, sorted. */
  async function idsForAccount(model: string, accountId: string | number): Promise<string[]> {
    const account = String(accountId)
    if (!fits(account)) return []
    const rows = await db.selectFrom('oidcPayloads').select('id')
      .where('model', '=', model).where('accountId', '=', account)
      .orderBy('id')
      .execute()
    return rows.map((r) => r.id)
  }

  return {
    /** Inserts or replaces the row; a replaced row starts over (not consumed), as the provider's memory adapter does. */
    async upsert(row: OidcPayloadRow): Promise<void> {
      const values = { ...row, payload: JSON.stringify(row.payload), consumedAt: null }
      await db.insertInto('oidcPayloads').values(values)
        .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet({
          payload: values.payload, grantId: row.grantId, userCode: row.userCode, uid: row.uid, accountId: row.accountId,
          expiresAt: row.expiresAt, consumedAt: null,
        }))
        .execute()
    },

    /** The row unless it has expired. */
    async find(model: string, id: string, now: number): Promise<FoundOidcPayload | undefined> {
      if (!fits(id)) return undefined
      const row = await live(now).where('model', '=', model).where('id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : { payload: parsePayload(row.payload), consumedAt: row.consumedAt }
    },

    async findByUid(model: string, uid: string, now: number): Promise<FoundOidcPayload | undefined> {
      if (!fits(uid)) return undefined
      const row = await live(now).where('model', '=', model).where('uid', '=', uid).executeTakeFirst()
      return row === undefined ? undefined : { payload: parsePayload(row.payload), consumedAt: row.consumedAt }
    },

    async findByUserCode(model: string, userCode: string, now: number): Promise<FoundOidcPayload | undefined> {
      if (!fits(userCode)) return undefined
      const row = await live(now).where('model', '=', model).where('userCode', '=', userCode).executeTakeFirst()
      return row === undefined ? undefined : { payload: parsePayload(row.payload), consumedAt: row.consumedAt }
    },

    /** Marks the row consumed once: the first consume's time stays (a code or refresh token is used once). */
    async consume(model: string, id: string, now: number): Promise<void> {
      if (!fits(id)) return
      await db.updateTable('oidcPayloads').set({ consumedAt: now })
        .where('model', '=', model).where('id', '=', id).where('consumedAt', 'is', null)
        .execute()
    },

    async destroy(model: string, id: string): Promise<void> {
      if (!fits(id)) return
      await db.deleteFrom('oidcPayloads').where('model', '=', model).where('id', '=', id).execute()
    },

    /** Deletes every row of `models` that belongs to the grant. */
    async revokeByGrantId(grantId: string, models: readonly string[]): Promise<void> {
      if (!fits(grantId)) return
      await db.deleteFrom('oidcPayloads').where('grantId', '=', grantId).where('model', 'in', models).execute()
    },

    /**
     * The ids of a user's grants (model `Grant`, payload.accountId): revoking a user's sessions (API.md §11) revokes
     * them too. Expired grants are included; revoking one does no harm and the periodic job deletes them anyway.
     */
    async grantIdsForAccount(accountId: string | number): Promise<string[]> {
      return idsForAccount('Grant', accountId)
    },

    /** The ids of a model's rows that belong to the user (e.g. their provider `Session`s, to end them), sorted. */
    idsForAccount,

    /** Deletes the rows whose lifetime has passed; returns how many. */
    async pruneExpired(now: number): Promise<number> {
      const result = await db.deleteFrom('oidcPayloads').where('expiresAt', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
  }
}

export type OidcPayloadStore = ReturnType<typeof createOidcPayloadStore>
