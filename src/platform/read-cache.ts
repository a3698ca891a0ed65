import type { Db } from './db.ts'
import { changeStampOf } from './prepared-queries.ts'

/**
 * Results of a read, kept while the database's change stamp stays put (see attachSqliteChangeStamp): any commit by
 * anyone empties the cache, so a cached answer is never older than the data, and every process on the same file
 * sees every revocation at once. Where no stamp exists (PostgreSQL, which several instances share over the network,
 * and in-memory SQLite), nothing is cached and every call reads. Values must not be `undefined` (use null).
 */
export function createReadCache<K, V>(db: Db, load: (key: K) => Promise<V>, maxEntries: number) {
  const stamp = changeStampOf(db)
  const entries = new Map<K, V>()
  let stampOfEntries = Number.NaN

  /** The cached value, without waiting; undefined when it must be read. */
  function peek(key: K): V | undefined {
    if (stamp === undefined) return undefined
    const now = stamp()
    if (now !== stampOfEntries) {
      entries.clear()
      stampOfEntries = now
      return undefined
    }
    return entries.get(key)
  }

  /** Reads from the database, and keeps the value if nothing was committed meanwhile. */
  async function read(key: K): Promise<V> {
    const before = stamp?.()
    const value = await load(key)
    // Filed only under the stamp it was read at: a commit during the read leaves it out.
    if (before !== undefined && before === stampOfEntries && stamp?.() === before) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as K)
      entries.set(key, value)
    }
    return value
  }

  return { peek, read }
}
