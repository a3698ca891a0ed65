import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable } from 'node:stream'
import { childEnv } from './cli.ts'

const ROOT = new URL('../..', import.meta.url)

export type LogLine = { msg?: string; level?: number } & Record<string, unknown>

/** The real server process (`node --import tsx src/server.ts`), its JSON log lines (and any other line) collected from stdout. */
export function startServerProcess(env: Record<string, string>) {
  const child: ChildProcessByStdio<null, Readable, Readable> = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
  })
  const lines: LogLine[] = []
  /** Lines of stdout that are not one JSON log record each (raw text in the log stream). */
  const notJson: string[] = []
  let stderr = ''
  let pending = ''
  const waiters: { match: (l: LogLine) => boolean; resolve: () => void }[] = []
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk
    const complete = pending.split('\n')
    pending = complete.pop() ?? ''
    for (const text of complete.filter(Boolean)) {
      const line = parseLogLine(text)
      if (line === undefined) {
        notJson.push(text)
        continue
      }
      lines.push(line)
      for (const w of waiters.filter((x) => x.match(line))) w.resolve()
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }))
  })
  return {
    child, lines, notJson, exited,
    stderr: () => stderr,
    /** Resolves at the first matching log line; rejects if the process exits first, or after `timeoutMs`. */
    waitFor(match: (l: LogLine) => boolean, timeoutMs = 30_000): Promise<void> {
      if (lines.some(match)) return Promise.resolve()
      let timer: NodeJS.Timeout | undefined
      return Promise.race([
        new Promise<void>((resolve) => waiters.push({ match, resolve })),
        exited.then(({ code }) => { throw new Error(`server exited (${code}) before the log line: ${stderr}`) }),
        new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; not JSON: ${notJson.join('\n')}`)), timeoutMs)
        }),
      ]).finally(() => clearTimeout(timer))
    },
  }
}

function parseLogLine(text: string): LogLine | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as LogLine : undefined
  } catch {
    return undefined
  }
}
