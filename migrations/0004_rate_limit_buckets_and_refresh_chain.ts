import { sql } from 'kysely'
import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

export async function up(db: AnyDb): Promise<void> {
  // Rate limits become token buckets (GCRA): one row per limited identity holding its "theoretical arrival time",
  // instead of one counter per fixed window. The old counters only ever held the current window: nothing to carry.
  await db.schema
    .createTable('rate_limit_buckets')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('tat', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rate_limit_buckets_tat_idx').on('rate_limit_buckets').column('tat').execute()
  await db.schema.dropTable('rate_limit_counters').execute()

  // The session row names its newest refresh token and the one retired last (with when), so a rotation is one
  // compare-and-set on the session and a retry within REFRESH_TOKEN_REUSE_INTERVAL can be told from a reuse.
  // SQLite adds one column per statement.
  await db.schema.alterTable('auth_sessions').addColumn('refresh_jti_hash', 'varchar(64)').execute()
  await db.schema.alterTable('auth_sessions').addColumn('retired_jti_hash', 'varchar(64)').execute()
  await db.schema.alterTable('auth_sessions').addColumn('rotated_at', 'bigint').execute()
  // Sessions opened before this migration: their newest token is the one not yet retired.
  await sql`UPDATE auth_sessions SET refresh_jti_hash = (
    SELECT r.jti_hash FROM refresh_tokens r WHERE r.session_id = auth_sessions.id AND r.retired_at IS NULL
    ORDER BY r.issued_at DESC LIMIT 1)`.execute(db)
}

export async function down(db: AnyDb): Promise<void> {
  for (const column of ['rotated_at', 'retired_jti_hash', 'refresh_jti_hash']) {
    await db.schema.alterTable('auth_sessions').dropColumn(column).execute()
  }
  await db.schema
    .createTable('rate_limit_counters')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rate_limit_counters_expiry_idx').on('rate_limit_counters').column('expires_at').execute()
  await db.schema.dropTable('rate_limit_buckets').execute()
}
