import { PostgresAdapter } from 'kysely'
import type { ColumnDefinitionBuilder, Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

/** Integer primary key that still accepts explicit ids (the Django import keeps them). */
function idColumn(db: AnyDb) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  return (col: ColumnDefinitionBuilder) =>
    pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement()
}

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('universities')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain', 'varchar(255)', (c) => c.notNull())
    .addColumn('doc_url', 'varchar(500)', (c) => c.notNull().defaultTo(''))
    .addColumn('is_approved', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_banned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('departments')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('code', 'varchar(50)', (c) => c.notNull())
    .addColumn('university_id', 'integer', (c) => c.notNull().references('universities.id').onDelete('cascade'))
    .execute()
  await db.schema.createIndex('departments_university_idx').on('departments').column('university_id').execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'integer', idColumn(db))
    // Stored lower-cased, so these unique constraints are case-insensitive in effect (API.md §4).
    .addColumn('email', 'varchar(100)', (c) => c.notNull().unique())
    .addColumn('username', 'varchar(20)', (c) => c.notNull().unique())
    .addColumn('first_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('last_name', 'varchar(100)', (c) => c.notNull())
    .addColumn('password', 'varchar(255)', (c) => c.notNull())
    .addColumn('university_id', 'integer', (c) => c.references('universities.id').onDelete('set null'))
    .addColumn('department_id', 'integer', (c) => c.references('departments.id').onDelete('set null'))
    .addColumn('user_type', 'integer', (c) => c.notNull().defaultTo(5))
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_staff', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_superuser', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('date_joined', 'bigint', (c) => c.notNull())
    .addColumn('last_login', 'bigint')
    .addColumn('profile_picture', 'varchar(255)')
    .addColumn('tokens_valid_after', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('users_university_idx').on('users').column('university_id').execute()

  // The circular reference: a university's admin is a user, a user belongs to a university.
  await db.schema
    .alterTable('universities')
    .addColumn('admin_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute()

  await db.schema
    .createTable('outbox_mails')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('recipient', 'varchar(254)', (c) => c.notNull())
    .addColumn('subject', 'varchar(255)', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('sent_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('last_error', 'text')
    .execute()
  await db.schema.createIndex('outbox_mails_due_idx').on('outbox_mails').columns(['sent_at', 'next_attempt_at']).execute()

  await db.schema
    .createTable('auth_sessions')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('revoked_at', 'bigint')
    .execute()
  await db.schema.createIndex('auth_sessions_user_idx').on('auth_sessions').column('user_id').execute()

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('jti_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull().references('auth_sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .execute()
  await db.schema.createIndex('refresh_tokens_session_idx').on('refresh_tokens').column('session_id').execute()

  await db.schema
    .createTable('revoked_tokens')
    .addColumn('jti_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('revoked_tokens_expiry_idx').on('revoked_tokens').column('expires_at').execute()
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ['revoked_tokens', 'refresh_tokens', 'auth_sessions', 'outbox_mails']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('universities').dropColumn('admin_id').execute()
  for (const table of ['users', 'departments', 'universities']) await db.schema.dropTable(table).execute()
}
