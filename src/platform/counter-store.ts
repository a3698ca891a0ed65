import { Redis } from 'ioredis'
import type { Db } from './db.ts'

/**
 * One token bucket per key, by GCRA (the generic cell rate algorithm): a bucket holds `burst` tokens and gets one
 * back every `intervalMs`, and all it stores is its "theoretical arrival time" (`tat`), the instant it is full again.
 * Taking a token is allowed while `tat <= now + intervalMs * (burst - 1)`, and moves `tat` on by `intervalMs`.
 * A burst is never larger than `burst`, whatever the clock says, since there is no window edge to straddle.
 */
export type BucketRule = { intervalMs: number; burst: number }

/**
 * Rate-limit buckets shared by every instance: in the database by default, in Redis when REDIS_URL is set. Each
 * take is one atomic round trip (an upsert with a condition, or a Lua script), so parallel requests can never take
 * more tokens than there are. Both use the caller's clock (the instances' clocks must agree to a second or so).
 */
export type CounterStore = {
  /** Takes one token: 0 when taken, else the milliseconds until one is back (and nothing is taken). */
  take(key: string, now: number, rule: BucketRule): Promise<number>
  /** Gives one token back (an attempt taken before the answer, which the rule turns out not to count). */
  giveBack(key: string, now: number, intervalMs: number): Promise<void>
  /** Removes full buckets (the Redis backend expires them itself). */
  prune(now: number): Promise<number>
  close(): Promise<void>
}

/** The latest `tat` at which a token may still be taken. */
const lastTakeableTat = (now: number, rule: BucketRule) => now + rule.intervalMs * (rule.burst - 1)

export function createDbCounterStore(db: Db): CounterStore {
  return {
    async take(key, now, rule) {
      const limit = lastTakeableTat(now, rule)
      // One statement: insert a fresh bucket, or move an existing one on only if it has a token left. The condition is
      // evaluated on the locked row (PostgreSQL) or inside SQLite's write lock, so concurrent takes queue, never overdraw.
      const taken = await db.insertInto('rateLimitBuckets').values({ key, tat: now + rule.intervalMs })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({
          tat: eb.case().when('rateLimitBuckets.tat', '>', now).then(eb('rateLimitBuckets.tat', '+', rule.intervalMs)).else(now + rule.intervalMs).end(),
        })).where('rateLimitBuckets.tat', '<=', limit))
        .returning('tat').executeTakeFirst()
      if (taken !== undefined) return 0
      // Refused (the rare path): read when the next token is due, for Retry-After.
      const row = await db.selectFrom('rateLimitBuckets').select('tat').where('key', '=', key).executeTakeFirst()
      return Math.max(1, (row?.tat ?? limit) - limit)
    },
    async giveBack(key, _now, intervalMs) {
      await db.updateTable('rateLimitBuckets').set((eb) => ({ tat: eb('tat', '-', intervalMs) })).where('key', '=', key).execute()
    },
    async prune(now) {
      const result = await db.deleteFrom('rateLimitBuckets').where('tat', '<=', now).executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    close: async () => {},
  }
}

// Numbers are formatted with %d: Lua's default tostring would write a millisecond timestamp in exponent notation.
const TAKE_SCRIPT = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now, interval, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if tat > limit then return tat - limit end
local newTat = math.max(tat, now) + interval
redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', string.format('%d', newTat - now))
return 0`

const GIVE_BACK_SCRIPT = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local newTat = tat - tonumber(ARGV[2])
if newTat <= now then redis.call('DEL', KEYS[1]) return 0 end
redis.call('SET', KEYS[1], string.format('%d', newTat), 'PX', string.format('%d', newTat - now))
return 0`

type BucketScripts = {
  rateLimitTake(key: string, now: number, intervalMs: number, limit: number): Promise<number>
  rateLimitGiveBack(key: string, now: number, intervalMs: number): Promise<number>
}

export function createRedisCounterStore(url: string, keyPrefix: string): CounterStore {
  const redis = new Redis(url, { keyPrefix, maxRetriesPerRequest: 2 })
  // ioredis sends each script once and then calls it by its SHA (EVALSHA); the key gets the prefix like any other.
  redis.defineCommand('rateLimitTake', { numberOfKeys: 1, lua: TAKE_SCRIPT })
  redis.defineCommand('rateLimitGiveBack', { numberOfKeys: 1, lua: GIVE_BACK_SCRIPT })
  const scripts = redis as Redis & BucketScripts
  return {
    async take(key, now, rule) {
      return Number(await scripts.rateLimitTake(key, now, rule.intervalMs, lastTakeableTat(now, rule)))
    },
    async giveBack(key, now, intervalMs) {
      await scripts.rateLimitGiveBack(key, now, intervalMs)
    },
    prune: async () => 0,
    async close() {
      await redis.quit()
    },
  }
}
