/**
 * Runs `task` now and then every `intervalMs` until stopped; a failure is reported and the schedule goes on. The
 * timer is unref'd so it never keeps a process alive on its own.
 */
export function startPeriodic(intervalMs: number, task: () => Promise<void>, onError: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined

  function run(): void {
    running = task().catch(onError).finally(() => { running = undefined })
  }

  return {
    start(): void {
      if (timer !== undefined) return
      run()
      timer = setInterval(run, intervalMs)
      timer.unref()
    },
    /** Runs the task once more, now (tests and operators use it). */
    async runNow(): Promise<void> {
      await running
      run()
      await running
    },
    async stop(): Promise<void> {
      clearInterval(timer)
      timer = undefined
      await running
    },
  }
}
