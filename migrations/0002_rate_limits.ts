import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

export async function up(db: AnyDb): Promise<void> {
  // Fixed-window counters of the rate limiter when no REDIS_URL is set; the key carries the window.
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rate_limit_counters_expiry_idx').on('rate_limit_counters').column('expires_at').execute()
  await db.schema.createIndex('auth_sessions_expiry_idx').on('auth_sessions').column('expires_at').execute()
  await db.schema.createIndex('refresh_tokens_expiry_idx').on('refresh_tokens').column('expires_at').execute()
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_expiry_idx').execute()
  await db.schema.dropIndex('auth_sessions_expiry_idx').execute()
  await db.schema.dropTable('rate_limit_counters').execute()
}
