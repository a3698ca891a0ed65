import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

export async function up(db: AnyDb): Promise<void> {
  // The Django backend's university.Settings (registration rules of a university), kept by the Django import so
  // no data is lost in the switch-over. One row per university here: Django's foreign key could share a row.
  await db.schema
    .createTable('university_settings')
    .addColumn('university_id', 'integer', (c) => c.primaryKey().references('universities.id').onDelete('cascade'))
    .addColumn('email_pattern', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('sid_pattern', 'varchar(100)', (c) => c.notNull().defaultTo(''))
    .addColumn('is_registration_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('university_settings').execute()
}
