// Preloaded into the server under test (`node --import probe.mjs dist/server.mjs`): answers the benchmark over the
// IPC channel with the process's memory and event-loop delay, so the service needs no such endpoint of its own.
import { monitorEventLoopDelay } from 'node:perf_hooks'

export type ProbeReport = {
  rssBytes: number
  /** The kernel's high-water mark of the resident set since start (getrusage ru_maxrss). */
  peakRssBytes: number
  heapUsedBytes: number
  /** Event-loop delay since the last reset, in milliseconds (beyond the sampling interval). */
  loopDelay: { meanMs: number; p50Ms: number; p99Ms: number; maxMs: number }
  /** CPU time the process used since the last reset (all its threads: the event loop, hashing, GC), in milliseconds. */
  cpu: { userMs: number; systemMs: number }
}

export type ProbeCommand = 'report' | 'reset'

const send = process.send?.bind(process)
if (send !== undefined) {
  // The histogram records the time between two ticks of a timer of this interval: the delay is what exceeds it.
  const resolutionMs = 5
  const delay = monitorEventLoopDelay({ resolution: resolutionMs })
  delay.enable()
  const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - resolutionMs)
  let cpuAtReset = process.cpuUsage()
  process.on('message', (command: ProbeCommand) => {
    if (command === 'reset') {
      delay.reset()
      cpuAtReset = process.cpuUsage()
      return
    }
    const cpu = process.cpuUsage(cpuAtReset)
    const memory = process.memoryUsage()
    const report: ProbeReport = {
      rssBytes: memory.rss,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      heapUsedBytes: memory.heapUsed,
      loopDelay: { meanMs: ms(delay.mean), p50Ms: ms(delay.percentile(50)), p99Ms: ms(delay.percentile(99)), maxMs: ms(delay.max) },
      cpu: { userMs: Math.round(cpu.user / 1000), systemMs: Math.round(cpu.system / 1000) },
    }
    send(report)
  })
  // The channel must not keep the server alive once it has been told to stop.
  process.channel?.unref()
}
