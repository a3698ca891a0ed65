import { createHash } from 'node:crypto'
import { AppError } from '../platform/errors.ts'
import type { BucketRule, CounterStore } from '../platform/counter-store.ts'
import type { RateLimitRule, RateLimitScope } from './rules.ts'

export type Limiter = ReturnType<typeof createLimiter>
export type RateLimitCheck = [RateLimitScope, string]

/** DRF's throttle answer (API.md §11). */
function throttled(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new AppError(429, 'THROTTLED', { detail: `Request was throttled. Expected available in ${seconds} seconds.` }, {
    headers: { 'retry-after': String(seconds) },
  })
}

/** Account identities are hashed before they become keys: counters never hold an email address. */
function keyOf(scope: RateLimitScope, identity: string): string {
  const id = createHash('sha256').update(identity.toLowerCase()).digest('base64url').slice(0, 32)
  return `rb:${scope}:${id}`
}

/**
 * `limit` per `windowSeconds` as a token bucket: `limit` at once at most, then one more every window / limit. The
 * interval is rounded up to a whole millisecond, so a bucket never refills faster than the rule says.
 */
function bucketRule(rule: RateLimitRule): BucketRule {
  return { intervalMs: Math.ceil((rule.windowSeconds * 1000) / rule.limit), burst: rule.limit }
}

/**
 * Rate limits over a shared counter store (API.md §11); disabled entirely by `RATE_LIMIT=off`. An attempt is taken
 * from its buckets before the request is answered, so a burst of parallel requests gets no more than the limit.
 * Buckets replace DRF's per-request history: its sliding window needs a list of timestamps per key; a bucket is
 * one number, updated atomically in SQL or Redis, and no burst of twice the limit fits around any instant.
 */
export function createLimiter(deps: { store: CounterStore; enabled: boolean; rules: Readonly<Record<RateLimitScope, RateLimitRule>>; clock: () => number }) {
  const { store, enabled, clock } = deps
  const rules = Object.fromEntries(Object.entries(deps.rules).map(([scope, rule]) => [scope, bucketRule(rule)])) as Record<RateLimitScope, BucketRule>

  async function giveBack(checks: readonly RateLimitCheck[]): Promise<void> {
    const now = clock()
    await Promise.all(checks.map(([scope, identity]) => store.giveBack(keyOf(scope, identity), now, rules[scope].intervalMs)))
  }

  return {
    enabled,

    /**
     * Takes one attempt from each `[scope, identity]`, or throws 429 when any has none left; a refused request is
     * not counted (its other attempts are given back), so hammering a limit does not extend it.
     */
    async reserve(...checks: RateLimitCheck[]): Promise<void> {
      if (!enabled || checks.length === 0) return
      const now = clock()
      const waits = await Promise.all(checks.map(([scope, identity]) => store.take(keyOf(scope, identity), now, rules[scope])))
      const retryAfter = Math.max(...waits)
      if (retryAfter === 0) return
      await giveBack(checks.filter((_, i) => waits[i] === 0))
      throw throttled(retryAfter)
    },

    /** Gives reserved attempts back: those of a rule that counts only failures, when the request succeeded. */
    async giveBack(...checks: RateLimitCheck[]): Promise<void> {
      if (!enabled || checks.length === 0) return
      await giveBack(checks)
    },
  }
}
