import { PostgresAdapter } from 'kysely'
import type { ColumnDefinitionBuilder, Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

function idColumn(db: AnyDb) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  return (col: ColumnDefinitionBuilder) => (pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement())
}

const userColumn = (c: ColumnDefinitionBuilder) => c.notNull().references('users.id').onDelete('cascade')

export async function up(db: AnyDb): Promise<void> {
  // API.md §12. The methods a session's login used (RFC 8176 `amr`, comma-joined): its refresh tokens carry them on.
  // Null for sessions opened before this migration, which were all password logins.
  await db.schema.alterTable('auth_sessions').addColumn('amr', 'varchar(100)').execute()

  // One TOTP authenticator per user: pending until confirmed. The secret is AES-256-GCM encrypted (mfa/secrets.ts);
  // the last time step used makes a code work once.
  await db.schema
    .createTable('mfa_totp')
    .addColumn('user_id', 'integer', (c) => userColumn(c).primaryKey())
    .addColumn('secret', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('last_used_step', 'bigint')
    .execute()

  // Keyed hashes only: a leaked table gives no usable code.
  await db.schema
    .createTable('mfa_recovery_codes')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('user_id', 'integer', userColumn)
    .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('mfa_recovery_codes_user_idx').on('mfa_recovery_codes').columns(['user_id', 'code_hash']).execute()

  await db.schema
    .createTable('webauthn_credentials')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('user_id', 'integer', userColumn)
    // base64url, as the browser names it; unique across users (a credential belongs to one account).
    .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'varchar(200)', (c) => c.notNull())
    .addColumn('device_type', 'varchar(20)', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .execute()
  await db.schema.createIndex('webauthn_credentials_user_idx').on('webauthn_credentials').column('user_id').execute()

  // A WebAuthn ceremony in progress: the challenge names it; used once, 5 minutes. A login challenge asked for with an
  // mfa_token is bound to that token, a registration challenge to its user.
  await db.schema
    .createTable('webauthn_challenges')
    .addColumn('challenge', 'varchar(100)', (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('mfa_token_hash', 'varchar(64)')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webauthn_challenges_expiry_idx').on('webauthn_challenges').column('expires_at').execute()

  // The second step of a login: only the hash of the token is kept; `password_stamp` binds it to the password check
  // that produced it (a password change in between kills it).
  await db.schema
    .createTable('mfa_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', userColumn)
    .addColumn('password_stamp', 'varchar(64)', (c) => c.notNull())
    .addColumn('attempts_left', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute()
  await db.schema.createIndex('mfa_tokens_expiry_idx').on('mfa_tokens').column('expires_at').execute()
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['mfa_tokens', 'webauthn_challenges', 'webauthn_credentials', 'mfa_recovery_codes', 'mfa_totp']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('auth_sessions').dropColumn('amr').execute()
}
