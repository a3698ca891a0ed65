import { PostgresAdapter } from 'kysely'
import type { ColumnDefinitionBuilder, Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

function idColumn(db: AnyDb) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  return (col: ColumnDefinitionBuilder) => (pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement())
}

export async function up(db: AnyDb): Promise<void> {
  // The OpenID Provider's own storage (API.md §15): every model of oidc-provider (Session, Grant, AuthorizationCode,
  // AccessToken, RefreshToken, Interaction, ...) in one table, as its adapter contract has it (oidc/adapter.ts). The
  // payload is the provider's JSON, kept whole (it adds properties between versions); the columns beside it are the
  // lookups the contract needs.
  await db.schema
    .createTable('oidc_payloads')
    .addColumn('model', 'varchar(64)', (c) => c.notNull())
    .addColumn('id', 'varchar(255)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    // revokeByGrantId: every token of a grant goes at once (refresh-token reuse, a user's sessions revoked).
    .addColumn('grant_id', 'varchar(255)')
    // findByUserCode (device flow) and findByUid (a Session by its fixed uid).
    .addColumn('user_code', 'varchar(255)')
    .addColumn('uid', 'varchar(255)')
    // payload.accountId (our user id as a string): a user's grants are found to revoke them (API.md §11).
    .addColumn('account_id', 'varchar(255)')
    // Null: the provider gave no lifetime. A row past it is never returned, and the periodic job deletes it.
    .addColumn('expires_at', 'bigint')
    .addColumn('consumed_at', 'bigint')
    .addPrimaryKeyConstraint('oidc_payloads_pk', ['model', 'id'])
    .execute()
  await db.schema.createIndex('oidc_payloads_grant_idx').on('oidc_payloads').column('grant_id').execute()
  await db.schema.createIndex('oidc_payloads_uid_idx').on('oidc_payloads').columns(['model', 'uid']).execute()
  await db.schema.createIndex('oidc_payloads_user_code_idx').on('oidc_payloads').columns(['model', 'user_code']).execute()
  await db.schema.createIndex('oidc_payloads_account_idx').on('oidc_payloads').columns(['model', 'account_id']).execute()
  await db.schema.createIndex('oidc_payloads_expiry_idx').on('oidc_payloads').column('expires_at').execute()

  // The provider's signing keys (API.md §15): ES256 and EdDSA, rotated by `npm run cli -- keys rotate`. The private
  // JWK is sealed (AES-256-GCM under a key derived from SECRET_KEY, oidc/key-seal.ts): a copy of the database alone
  // cannot sign tokens. `id` orders keys made in the same millisecond.
  await db.schema
    .createTable('oidc_signing_keys')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('kid', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('alg', 'varchar(16)', (c) => c.notNull())
    .addColumn('private_jwk_sealed', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // Published from created_at; signs from active_from (a rotation publishes first, so relying parties' caches know it).
    .addColumn('active_from', 'bigint', (c) => c.notNull())
    // When its successor starts signing; published until every token it signed has expired, then pruned.
    .addColumn('retired_at', 'bigint')
    .execute()
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('oidc_signing_keys').execute()
  await db.schema.dropTable('oidc_payloads').execute()
}
