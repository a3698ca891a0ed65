import { connect } from 'node:net'

export type RawReply = {
  status: number
  /** Lower-cased names; a repeated header keeps its last value. */
  headers: Record<string, string>
  /** Parsed JSON when the answer is JSON, else the text. */
  body: unknown
  text: string
}

/**
 * Sends bytes as they are over a TCP socket to the real server, for what `fetch` cannot send: a forged or missing
 * `Host`, conflicting framing headers, oversized headers. Reads the one answer until the server closes the
 * connection (send `Connection: close` on a well-formed request).
 */
export function rawRequest(base: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawReply> {
  const { hostname, port } = new URL(base)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no answer before the deadline')) }, timeoutMs)
    let done = false
    const finish = () => {
      if (done) return
      done = true
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString('utf8')
      if (raw === '') return reject(new Error('the connection closed without an answer'))
      resolve(parseReply(raw))
    }
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('end', finish)
    // The server may reset a connection whose request it did not read to the end; what it answered still counts.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? finish() : reject(error)))
    socket.write(request)
  })
}

function parseReply(raw: string): RawReply {
  const end = raw.indexOf('\r\n\r\n')
  const head = end === -1 ? raw : raw.slice(0, end)
  const text = end === -1 ? '' : raw.slice(end + 4)
  const [statusLine = '', ...lines] = head.split('\r\n')
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 'NaN')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const body = (headers['content-type'] ?? '').includes('application/json') && text !== '' ? JSON.parse(text) as unknown : text
  return { status, headers, body, text }
}
