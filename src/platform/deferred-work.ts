/** Work a request starts but does not wait for; see createDeferredWork. */
export type DeferredWork = {
  /**
   * Queues `work` to run after the current answer has been written; a failure is logged, never thrown. Resolves at once
   * while fewer than MAX_PENDING pieces wait, otherwise once one of them has finished (back-pressure).
   */
  run(label: string, work: () => Promise<void>): Promise<void>
  /** Resolves once everything queued so far has finished (on shutdown, before the database closes). */
  drain(): Promise<void>
}

/**
 * Runs work off the request path, one piece after another. For answers that must not reveal what a lookup found
 * (reset and resend requests: account enumeration, API.md §5 and STYLE 17): the route answers at once, the same way for
 * every input, and the lookup and any mail happen here. `setImmediate` starts the work only after the answer has been
 * handed to the socket; one at a time, in arrival order, so a burst of requests cannot pile up parallel database work.
 * A crash in the moment between the answer and the outbox insert loses that one request's mail; the client was
 * promised nothing more than a 204 it would also get for an unknown address, and may ask again.
 * At most MAX_PENDING pieces wait in memory: past that, a request waits for room before it is answered, so a flood
 * spread over many IPs (each within its rate limit) slows every such answer alike instead of growing the heap without
 * bound; the wait depends on the queue, not on what the request's lookup finds, so it reveals nothing about the account.
 */
const MAX_PENDING = 1000

export function createDeferredWork(onError: (error: unknown, label: string) => void): DeferredWork {
  let tail: Promise<void> = Promise.resolve()
  let pending = 0
  const waiting: (() => void)[] = []
  const finishOne = () => {
    pending -= 1
    waiting.shift()?.()
  }
  return {
    async run(label, work) {
      if (pending >= MAX_PENDING) await new Promise<void>((resolve) => waiting.push(resolve))
      pending += 1
      tail = tail
        .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
        .then(work)
        .catch((error: unknown) => onError(error, label))
        .finally(finishOne)
    },
    drain: () => tail,
  }
}
