import { Redis } from 'ioredis'
import type { Db } from './db.ts'

/**
 * Fixed-window counters shared by every instance: in the database by default, in Redis when REDIS_URL is set.
 * Keys already name their window, so a counter simply expires with it.
 */
export type CounterStore = {
  /** Adds one and returns the new count. */
  increment(key: string, expiresAt: number): Promise<number>
  /** The current count (0 when absent or expired). */
  read(key: string, now: number): Promise<number>
  /** Removes expired counters (the Redis backend expires them itself). */
  prune(now: number): Promise<number>
  close(): Promise<void>
}

export function createDbCounterStore(db: Db): CounterStore {
  return {
    async increment(key, expiresAt) {
      const row = await db.insertInto('rateLimitCounters').values({ key, count: 1, expiresAt })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ count: eb('rateLimitCounters.count', '+', 1) })))
        .returning('count').executeTakeFirstOrThrow()
      return row.count
    },
    async read(key, now) {
      const row = await db.selectFrom('rateLimitCounters').select('count')
        .where('key', '=', key).where('expiresAt', '>', now).executeTakeFirst()
      return row?.count ?? 0
    },
    async prune(now) {
      const result = await db.deleteFrom('rateLimitCounters').where('expiresAt', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    close: async () => {},
  }
}

export function createRedisCounterStore(url: string, keyPrefix: string): CounterStore {
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 2 })
  return {
    async increment(key, expiresAt) {
      const results = await redis.multi().incr(key).pexpireat(key, expiresAt).exec()
      const count = results?.[0]?.[1]
      return typeof count === 'number' ? count : Number(count)
    },
    async read(key) {
      const value = await redis.get(key)
      return value === null ? 0 : Number(value)
    },
    prune: async () => 0,
    async close() {
      await redis.quit()
    },
  }
}
