/**
 * The background half of an outbox (mail, webhooks): a table is the queue, written in the transaction of the change,
 * and this loop claims due rows for a lease, hands each to `deliver`, and claims more as slots free up. A claim that
 * is never settled (a crash mid-delivery) expires with its lease and the row is delivered again: at least once, never
 * lost. The claim itself is SQL of each outbox's store (same shape: due, unclaimed or lease expired, `claimed_until`
 * set in one update), since their tables differ.
 *
 * `concurrency` bounds the deliveries running at once; with `keyOf` and `perKeyConcurrency` one key (a webhook
 * endpoint) holds at most that many of them, so a receiver that hangs until its timeout delays only its own rows.
 */
export type OutboxWorkerOptions<T> = {
  pollIntervalMs: number
  leaseMs: number
  concurrency: number
  keyOf?: (item: T) => string
  perKeyConcurrency?: number
  /** Claims up to `limit` due rows for `leaseMs`, none of the keys in `busyKeys`. */
  claimDue(now: number, leaseMs: number, limit: number, busyKeys: readonly string[]): Promise<T[]>
  /**
   * Gives back a claim that was not started (its key filled up, or `stop()` came while the claim was in flight); it
   * is due again at once. Required: without it such a row would wait out its lease, seen as half-sent.
   */
  release(item: T): Promise<void>
  /** Delivers one row and records the outcome (delivered, or the next attempt); `signal` aborts at stop. */
  deliver(item: T, signal: AbortSignal): Promise<void>
  onError(error: unknown): void
}

/** Exponential back-off from `baseMs`, doubling per attempt, capped; with jitter, a random point in its upper half. */
export function backoffDelayMs(attempts: number, baseMs: number, opts: { capMs: number; jitter?: boolean; random?: () => number }): number {
  const delay = Math.min(baseMs * 2 ** Math.max(0, attempts - 1), opts.capMs)
  if (!opts.jitter) return delay
  // "Equal jitter": retries of many rows failed together spread out, and none comes sooner than half its delay.
  return Math.round(delay / 2 + (opts.random ?? Math.random)() * (delay / 2))
}

export function createOutboxWorker<T>(options: OutboxWorkerOptions<T>) {
  const keyOf = options.keyOf ?? (() => '')
  const perKey = options.perKeyConcurrency ?? options.concurrency
  const running = new Map<Promise<void>, T>()
  const keysInFlight = new Map<string, number>()
  let abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let filling: Promise<void> | undefined
  let again = false
  let stopped = true
  let lastPollAt = 0

  function start(item: T): void {
    const key = keyOf(item)
    keysInFlight.set(key, (keysInFlight.get(key) ?? 0) + 1)
    const task: Promise<void> = options.deliver(item, abort.signal).catch(options.onError).finally(() => {
      running.delete(task)
      const left = (keysInFlight.get(key) ?? 1) - 1
      if (left === 0) keysInFlight.delete(key)
      else keysInFlight.set(key, left)
      fill()
    })
    running.set(task, item)
  }

  async function claimAndStart(): Promise<void> {
    for (;;) {
      const free = options.concurrency - running.size
      if (free <= 0 || stopped) return
      const busy = [...keysInFlight].filter(([, count]) => count >= perKey).map(([key]) => key)
      const batch = await options.claimDue(Date.now(), options.leaseMs, free, busy)
      for (const item of batch) {
        if (!stopped && (keysInFlight.get(keyOf(item)) ?? 0) < perKey && running.size < options.concurrency) start(item)
        else await options.release(item)
      }
      if (batch.length < free) return
    }
  }

  function fill(): void {
    if (stopped) return
    if (filling) {
      again = true
      return
    }
    clearTimeout(timer)
    filling = claimAndStart().catch(options.onError).finally(() => {
      filling = undefined
      lastPollAt = Date.now()
      if (stopped) return
      if (again) {
        again = false
        fill()
      } else {
        timer = setTimeout(fill, options.pollIntervalMs)
        timer.unref()
      }
    })
  }

  return {
    start(): void {
      if (!stopped) return
      stopped = false
      abort = new AbortController()
      fill()
    },
    /** After a transaction that queued rows has committed: deliver without waiting for the next poll. */
    wake(): void {
      fill()
    },
    /** Stops claiming, aborts what is in flight (each delivery gives its claim back or records it) and waits for it. */
    async stop(): Promise<void> {
      stopped = true
      clearTimeout(timer)
      abort.abort()
      await filling
      await Promise.all(running.keys())
    },
    isAlive(now = Date.now()): boolean {
      return !stopped && (filling !== undefined || now - lastPollAt < options.pollIntervalMs * 3 + 60_000)
    },
  }
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>
