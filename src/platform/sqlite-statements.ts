import type SQLite from 'better-sqlite3'
import type { SqliteDatabase } from 'kysely'

// Kysely's SQLite dialect prepares every query anew; the same query shape gives the same SQL text, so the statement
// is kept by its text.

const STATEMENT_CACHE_SIZE = 500

/**
 * A better-sqlite3 connection that keeps its statements by SQL text (Kysely emits the same text for the same query
 * shape). One still iterated by a stream is busy, so a fresh one is prepared beside it.
 */
export function cachingStatements(sqlite: SQLite.Database): SqliteDatabase & { statement(sql: string): SQLite.Statement } {
  const statements = new Map<string, SQLite.Statement>()
  function statement(sql: string): SQLite.Statement {
    const cached = statements.get(sql)
    if (cached !== undefined && !cached.busy) return cached
    const prepared = sqlite.prepare(sql)
    if (cached === undefined) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value ?? '')
      statements.set(sql, prepared)
    }
    return prepared
  }
  return {
    statement,
    prepare: statement,
    close() {
      sqlite.close()
    },
  }
}
