import { createServer } from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Received = { path: string; headers: IncomingHttpHeaders; body: string; at: number }
/** What the receiver answers on a path: a status per request in turn (the last repeats), or 'hang' (never answers). */
export type Script = (number | 'hang')[]

/** A real HTTP receiver for webhook deliveries: records every request and answers as scripted per path. */
export async function startWebhookReceiver() {
  const received: Received[] = []
  const scripts = new Map<string, Script>()
  const counts = new Map<string, number>()
  const waiters: { match: () => boolean; resolve: () => void }[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const path = request.url ?? '/'
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() })
      const n = counts.get(path) ?? 0
      counts.set(path, n + 1)
      const script = scripts.get(path) ?? [204]
      const answer = script[Math.min(n, script.length - 1)] ?? 204
      for (const w of waiters.filter((x) => x.match())) {
        waiters.splice(waiters.indexOf(w), 1)
        w.resolve()
      }
      if (answer === 'hang') return
      response.writeHead(answer).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    on: (path: string) => received.filter((r) => r.path === path),
    script(path: string, answers: Script): void { scripts.set(path, answers) },
    /** Resolves once `count` requests reached `path`; rejects after the deadline. */
    waitFor(path: string, count: number, timeoutMs = 20_000): Promise<void> {
      const match = () => received.filter((r) => r.path === path).length >= count
      if (match()) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fewer than ${count} requests on ${path}`)), timeoutMs)
        waiters.push({ match, resolve: () => { clearTimeout(timer); resolve() } })
      })
    },
    async close(): Promise<void> {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export type WebhookReceiver = Awaited<ReturnType<typeof startWebhookReceiver>>
