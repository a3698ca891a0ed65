import { PostgresAdapter } from 'kysely'
import type { ColumnDefinitionBuilder, Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

function idColumn(db: AnyDb) {
  const pg = db.getExecutor().adapter instanceof PostgresAdapter
  return (col: ColumnDefinitionBuilder) =>
    pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.primaryKey().autoIncrement()
}

export async function up(db: AnyDb): Promise<void> {
  // The audit log (API.md §13): append-only, one row per security event, written in the transaction of the change.
  // No foreign keys: an event outlives the user, university or session it names (a deleted user's history stays).
  await db.schema
    .createTable('audit_events')
    // A ULID: sortable by time, unique across instances, so (at, id) orders every event exactly.
    .addColumn('id', 'varchar(26)', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('type', 'varchar(40)', (c) => c.notNull())
    .addColumn('actor_id', 'integer')
    .addColumn('user_id', 'integer')
    .addColumn('university_id', 'integer')
    .addColumn('ip', 'varchar(64)')
    .addColumn('user_agent', 'varchar(512)')
    .addColumn('session_id', 'varchar(64)')
    // A small JSON object whose keys are allowed per type (src/audit/event-types.ts).
    .addColumn('data', 'text', (c) => c.notNull())
    .execute()
  // The §13 filters: everything newest first (and the retention prune), one user's history, one or more types.
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['at', 'id']).execute()
  await db.schema.createIndex('audit_events_user_idx').on('audit_events').columns(['user_id', 'at', 'id']).execute()
  await db.schema.createIndex('audit_events_type_idx').on('audit_events').columns(['type', 'at', 'id']).execute()

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('url', 'varchar(2000)', (c) => c.notNull())
    // A JSON array of event types, or ["*"].
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('description', 'varchar(500)', (c) => c.notNull())
    // The signing secret, sealed with a key derived from SECRET_KEY (platform/sealed-secrets.ts): it must sign, so no hash.
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()

  // The webhook outbox: one row per (event, endpoint), written with the event; the sender claims due rows as mail's does.
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    .addColumn('event_id', 'varchar(26)', (c) => c.notNull())
    // The body as first queued: every attempt sends the same bytes, even after the event is pruned.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('delivered_at', 'bigint')
    .addColumn('failed_at', 'bigint')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'varchar(1000)')
    .execute()
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['next_attempt_at']).execute()
  await db.schema.createIndex('webhook_deliveries_endpoint_idx').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute()

  // Each attempt's outcome, for GET /api/webhooks/{id}/deliveries/.
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'integer', idColumn(db))
    .addColumn('delivery_id', 'integer', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'varchar(1000)')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('webhook_attempts_delivery_idx').on('webhook_attempts').columns(['delivery_id', 'id']).execute()
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute()
  await db.schema.dropTable('webhook_deliveries').execute()
  await db.schema.dropTable('webhook_endpoints').execute()
  await db.schema.dropTable('audit_events').execute()
}
