import { PostgresAdapter, sql } from 'kysely'
import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

/** The channel the session lookup of every instance listens on (src/tokens/revocation-feed.ts names it too). */
const CHANNEL = 'unilink_revocations'

/**
 * PostgreSQL only: every change to the facts the session cache keeps (a session's revocation or removal, any change
 * to a user row) queues a NOTIFY in the changing transaction itself. PostgreSQL delivers it when, and only when, that
 * transaction commits, in commit order, whoever made the change: this service, the CLI, the Django import, an operator
 * in psql. Payload `s:<session id>` or `u:<user id>`. SQLite needs nothing: its cache watches `PRAGMA data_version`.
 */
export async function up(db: AnyDb): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql.raw(`
    CREATE FUNCTION unilink_notify_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${CHANNEL}', 's:' || OLD.id);
      RETURN NULL;
    END $$;
    CREATE FUNCTION unilink_notify_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${CHANNEL}', 'u:' || OLD.id);
      RETURN NULL;
    END $$;
    -- A refresh moves last_used_at and the refresh chain of its session on every call: only revocation matters here.
    CREATE TRIGGER auth_sessions_revocation_notify AFTER UPDATE ON auth_sessions FOR EACH ROW
      WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.user_id IS DISTINCT FROM NEW.user_id)
      EXECUTE FUNCTION unilink_notify_session_change();
    CREATE TRIGGER auth_sessions_delete_notify AFTER DELETE ON auth_sessions FOR EACH ROW
      EXECUTE FUNCTION unilink_notify_session_change();
    -- The cache holds the whole user row (users/me/ answers from it): any change counts.
    CREATE TRIGGER users_change_notify AFTER UPDATE ON users FOR EACH ROW
      WHEN (OLD.* IS DISTINCT FROM NEW.*)
      EXECUTE FUNCTION unilink_notify_user_change();
    CREATE TRIGGER users_delete_notify AFTER DELETE ON users FOR EACH ROW
      EXECUTE FUNCTION unilink_notify_user_change();
  `).execute(db)
}

export async function down(db: AnyDb): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return
  await sql.raw(`
    DROP TRIGGER users_delete_notify ON users;
    DROP TRIGGER users_change_notify ON users;
    DROP TRIGGER auth_sessions_delete_notify ON auth_sessions;
    DROP TRIGGER auth_sessions_revocation_notify ON auth_sessions;
    DROP FUNCTION unilink_notify_user_change();
    DROP FUNCTION unilink_notify_session_change();
  `).execute(db)
}
