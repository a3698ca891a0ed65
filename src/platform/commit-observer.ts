import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely'

/**
 * Tells a listener after each commit that changed a fact the session cache keeps (tokens/session-lookup.ts): a user
 * row, or a session's revocation. The cache of this process forgets at once (its answer to the revoking request
 * leaves after that, so the client's next request never meets the old facts), and on the Redis channel it publishes
 * to the other instances; on PostgreSQL's channel migration 0006's triggers notify them from inside the transaction
 * itself, which no path can forget. Seen at the driver, where commits are:
 * a Kysely plugin sees each query but not when its transaction ends, and a notice sent before the commit would let
 * another instance read and cache the old row again.
 */
export type CommitObserver = { listen(onCommit: () => void): void }

const WRITE = /^\s*(update|delete\s+from)\s+"?(users|auth_sessions)"?\s/i
const known = new Map<string, boolean>()

/** Any change to a user row; for sessions, only what revokes one (a refresh moves last_used_at on every call). */
function touchesCachedFacts(sql: string): boolean {
  let answer = known.get(sql)
  if (answer === undefined) {
    const match = WRITE.exec(sql)
    answer = match !== null && (match[2] === 'users' || !/^update/i.test(match[1] ?? '')
      || /"?(revoked_at|user_id)"?\s*=/.test(sql.slice(match[0].length).split(/\swhere\s/i)[0] ?? ''))
    // Kysely's statements are a few hundred distinct strings; raw ones could be endless.
    if (known.size < 10_000) known.set(sql, answer)
  }
  return answer
}

export function observeCommits(dialect: Dialect): { dialect: Dialect; observer: CommitObserver } {
  const listeners: (() => void)[] = []
  const fire = () => { for (const listener of listeners) listener() }
  const state = new WeakMap<DatabaseConnection, { inner: DatabaseConnection; inTransaction: boolean; dirty: boolean }>()
  const of = (connection: DatabaseConnection) => {
    const found = state.get(connection)
    if (found === undefined) throw new Error('a connection this driver did not hand out')
    return found
  }
  const wrapDriver = (driver: Driver): Driver => ({
    init: () => driver.init(),
    async acquireConnection() {
      const inner = await driver.acquireConnection()
      const wrapped: DatabaseConnection = {
        async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
          const result = await inner.executeQuery<R>(query)
          if (listeners.length > 0 && touchesCachedFacts(query.sql)) {
            const s = of(wrapped)
            if (s.inTransaction) s.dirty = true
            else fire()
          }
          return result
        },
        streamQuery: (query, chunkSize) => inner.streamQuery(query, chunkSize),
      }
      state.set(wrapped, { inner, inTransaction: false, dirty: false })
      return wrapped
    },
    async beginTransaction(connection, settings) {
      await driver.beginTransaction(connection, settings)
      Object.assign(of(connection), { inTransaction: true, dirty: false })
    },
    async commitTransaction(connection) {
      await driver.commitTransaction(connection)
      const s = of(connection)
      const { dirty } = s
      Object.assign(s, { inTransaction: false, dirty: false })
      if (dirty) fire()
    },
    async rollbackTransaction(connection) {
      Object.assign(of(connection), { inTransaction: false, dirty: false })
      await driver.rollbackTransaction(connection)
    },
    ...(driver.savepoint ? { savepoint: driver.savepoint.bind(driver) } : {}),
    ...(driver.rollbackToSavepoint ? { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) } : {}),
    ...(driver.releaseSavepoint ? { releaseSavepoint: driver.releaseSavepoint.bind(driver) } : {}),
    releaseConnection: (connection) => driver.releaseConnection(of(connection).inner),
    destroy: () => driver.destroy(),
  })
  return {
    dialect: {
      createDriver: () => wrapDriver(dialect.createDriver()),
      createQueryCompiler: () => dialect.createQueryCompiler(),
      createAdapter: () => dialect.createAdapter(),
      createIntrospector: (db) => dialect.createIntrospector(db),
    },
    observer: { listen: (onCommit) => { listeners.push(onCommit) } },
  }
}
