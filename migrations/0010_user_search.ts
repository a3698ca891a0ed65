import { PostgresAdapter, sql } from 'kysely'
import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.
// (0009 is taken by the OpenID Provider's storage, merged after this one was written.)

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

/**
 * An index for the admin console's user search (API.md §14: by email, username or name; issue 16: under 100 ms with
 * 100,000 users). The search is a case-insensitive substring of `email username first_name last_name`, one text per
 * user; a LIKE '%…%' over every row took 300–450 ms at 100,000 users on SQLite (bench/admin-search.ts).
 * - SQLite: an FTS5 table with the trigram tokenizer (substring MATCH of 3+ characters through the index), filled from
 *   the users and kept in step by triggers, so every writer (the service, the CLI, the Django import) keeps it right.
 * - PostgreSQL: pg_trgm's GIN index on the same expression, which LIKE '%…%' uses. The extension ships with
 *   PostgreSQL (contrib); where the role may not create it, the search still works, unindexed, and a notice says so.
 * The expression is also in src/accounts/store.ts (SEARCH_TEXT): the two must stay the same.
 */
export async function up(db: AnyDb): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql.raw(`
      DO $$ BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'pg_trgm could not be created (ask a superuser: CREATE EXTENSION pg_trgm); the admin user search stays unindexed';
      END $$;
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
          CREATE INDEX users_search_trgm_idx ON users
            USING gin (lower(email || ' ' || username || ' ' || first_name || ' ' || last_name) gin_trgm_ops);
        END IF;
      END $$;
    `).execute(db)
    return
  }
  const text = (row: string) => `lower(${row}.email || ' ' || ${row}.username || ' ' || ${row}.first_name || ' ' || ${row}.last_name)`
  // One statement per call: better-sqlite3 prepares a single statement at a time.
  const statements = [
    `CREATE VIRTUAL TABLE users_search USING fts5(text, tokenize = 'trigram')`,
    `INSERT INTO users_search (rowid, text) SELECT id, ${text('users')} FROM users`,
    `CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
       INSERT INTO users_search (rowid, text) VALUES (NEW.id, ${text('NEW')});
     END`,
    `CREATE TRIGGER users_search_update AFTER UPDATE OF email, username, first_name, last_name ON users BEGIN
       DELETE FROM users_search WHERE rowid = OLD.id;
       INSERT INTO users_search (rowid, text) VALUES (NEW.id, ${text('NEW')});
     END`,
    `CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
       DELETE FROM users_search WHERE rowid = OLD.id;
     END`,
  ]
  for (const statement of statements) await sql.raw(statement).execute(db)
}

export async function down(db: AnyDb): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP INDEX IF EXISTS users_search_trgm_idx`.execute(db)
    return
  }
  for (const statement of ['DROP TRIGGER users_search_delete', 'DROP TRIGGER users_search_update', 'DROP TRIGGER users_search_insert',
    'DROP TABLE users_search']) await sql.raw(statement).execute(db)
}
