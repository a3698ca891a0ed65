/**
 * A clock the test moves by hand, passed to startServer: time-based rules (rate-limit windows, the refresh reuse
 * interval) are tested by stepping over their edges instead of sleeping. It starts at the real time, so the tokens
 * the service signs are not expired for the real clock that checks them.
 */
export function createTestClock(start = Date.now()) {
  let now = start
  return {
    now: () => now,
    advance(ms: number): void { now += ms },
    set(at: number): void { now = at },
  }
}

export type TestClock = ReturnType<typeof createTestClock>
