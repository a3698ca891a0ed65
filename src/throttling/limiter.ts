import { createHash } from 'node:crypto'
import { AppError } from '../platform/errors.ts'
import type { CounterStore } from '../platform/counter-store.ts'
import type { RateLimitRule, RateLimitScope } from './rules.ts'

export type Limiter = ReturnType<typeof createLimiter>

/** DRF's throttle answer (API.md §11). */
function throttled(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  return new AppError(429, 'THROTTLED', { detail: `Request was throttled. Expected available in ${seconds} seconds.` }, {
    headers: { 'retry-after': String(seconds) },
  })
}

/** Account identities are hashed before they become keys: counters never hold an email address. */
function keyOf(scope: RateLimitScope, identity: string, windowIndex: number): string {
  const id = createHash('sha256').update(identity.toLowerCase()).digest('base64url').slice(0, 32)
  return `rl:${scope}:${id}:${windowIndex}`
}

/** Fixed-window counting over a shared counter store; disabled entirely by `RATE_LIMIT=off`. */
export function createLimiter(deps: { store: CounterStore; enabled: boolean; rules: Readonly<Record<RateLimitScope, RateLimitRule>>; clock: () => number }) {
  const { store, enabled, rules, clock } = deps

  function window(scope: RateLimitScope, now: number) {
    const ms = rules[scope].windowSeconds * 1000
    const index = Math.floor(now / ms)
    return { index, endsAt: (index + 1) * ms }
  }

  return {
    enabled,

    /** Counts one request against each `[scope, identity]` and throws 429 if any is over its limit. */
    async hit(...checks: [RateLimitScope, string][]): Promise<void> {
      if (!enabled) return
      const now = clock()
      let retryAfter = 0
      for (const [scope, identity] of checks) {
        const { index, endsAt } = window(scope, now)
        const count = await store.increment(keyOf(scope, identity, index), endsAt)
        if (count > rules[scope].limit) retryAfter = Math.max(retryAfter, endsAt - now)
      }
      if (retryAfter > 0) throw throttled(retryAfter)
    },

    /** Throws 429 if any `[scope, identity]` is already at its limit, without counting this request. */
    async check(...checks: [RateLimitScope, string][]): Promise<void> {
      if (!enabled) return
      const now = clock()
      let retryAfter = 0
      for (const [scope, identity] of checks) {
        const { index, endsAt } = window(scope, now)
        if (await store.read(keyOf(scope, identity, index), now) >= rules[scope].limit) retryAfter = Math.max(retryAfter, endsAt - now)
      }
      if (retryAfter > 0) throw throttled(retryAfter)
    },

    /** Counts without judging (a failed login, after the answer is known). */
    async count(...checks: [RateLimitScope, string][]): Promise<void> {
      if (!enabled) return
      const now = clock()
      for (const [scope, identity] of checks) {
        const { index, endsAt } = window(scope, now)
        await store.increment(keyOf(scope, identity, index), endsAt)
      }
    },
  }
}
