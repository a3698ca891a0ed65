import type { Selectable } from 'kysely'
import type { Db, OidcClientsTable } from '../platform/db.ts'

type OidcClientRow = Selectable<OidcClientsTable>

/** A relying party as the rest of src/oidc/ sees it: the JSON columns parsed, the flag a boolean. */
export type OidcClient = {
  clientId: string
  name: string
  type: 'confidential' | 'public'
  firstParty: boolean
  redirectUris: string[]
  postLogoutRedirectUris: string[]
  secretHash: string | null
  createdAt: number
  updatedAt: number
}

export type NewOidcClient = Omit<OidcClient, 'createdAt' | 'updatedAt'>
export type OidcClientPatch = Partial<Pick<OidcClient, 'name' | 'firstParty' | 'redirectUris' | 'postLogoutRedirectUris' | 'secretHash'>>

function fromRow(row: OidcClientRow): OidcClient {
  return {
    clientId: row.clientId,
    name: row.name,
    type: row.type,
    firstParty: row.firstParty === 1,
    redirectUris: JSON.parse(row.redirectUris) as string[],
    postLogoutRedirectUris: JSON.parse(row.postLogoutRedirectUris) as string[],
    secretHash: row.secretHash,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

// A client_id longer than the column names no client; asked for, PostgreSQL would fail the query instead.
const MAX_CLIENT_ID = 64

export function createOidcClientStore(db: Db) {
  return {
    async insert(trx: Db, client: NewOidcClient, now: number): Promise<OidcClient> {
      const row = await trx.insertInto('oidcClients').values({
        clientId: client.clientId, name: client.name, type: client.type, firstParty: client.firstParty ? 1 : 0,
        redirectUris: JSON.stringify(client.redirectUris), postLogoutRedirectUris: JSON.stringify(client.postLogoutRedirectUris),
        secretHash: client.secretHash, createdAt: now, updatedAt: now,
      }).returningAll().executeTakeFirstOrThrow()
      return fromRow(row)
    },

    async find(clientId: string, trx: Db = db): Promise<OidcClient | undefined> {
      if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID) return undefined
      const row = await trx.selectFrom('oidcClients').selectAll().where('clientId', '=', clientId).executeTakeFirst()
      return row === undefined ? undefined : fromRow(row)
    },

    async list(trx: Db = db): Promise<OidcClient[]> {
      const rows = await trx.selectFrom('oidcClients').selectAll().orderBy('createdAt').orderBy('clientId').execute()
      return rows.map(fromRow)
    },

    async update(trx: Db, clientId: string, patch: OidcClientPatch, now: number): Promise<OidcClient | undefined> {
      if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID) return undefined
      const row = await trx.updateTable('oidcClients').set({
        updatedAt: now,
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.firstParty !== undefined && { firstParty: patch.firstParty ? 1 : 0 }),
        ...(patch.redirectUris !== undefined && { redirectUris: JSON.stringify(patch.redirectUris) }),
        ...(patch.postLogoutRedirectUris !== undefined && { postLogoutRedirectUris: JSON.stringify(patch.postLogoutRedirectUris) }),
        ...(patch.secretHash !== undefined && { secretHash: patch.secretHash }),
      }).where('clientId', '=', clientId).returningAll().executeTakeFirst()
      return row === undefined ? undefined : fromRow(row)
    },

    async remove(trx: Db, clientId: string): Promise<boolean> {
      if (clientId.length === 0 || clientId.length > MAX_CLIENT_ID) return false
      const result = await trx.deleteFrom('oidcClients').where('clientId', '=', clientId).executeTakeFirst()
      return result.numDeletedRows === 1n
    },
  }
}

export type OidcClientStore = ReturnType<typeof createOidcClientStore>
