import { createServer, connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A loopback TCP relay to `target`, whose traffic the test can freeze: the sockets stay open and nothing passes, as
 * when a network path dies without a reset (a NAT table flushed, a cable pulled). `thaw` lets everything through again.
 */
export async function startTcpProxy(targetHost: string, targetPort: number) {
  let frozen = false
  const pairs = new Set<[Socket, Socket]>()
  const held: (() => void)[] = []
  const server = createServer((inbound) => {
    const relay = () => {
      const outbound = connect(targetPort, targetHost)
      const pair: [Socket, Socket] = [inbound, outbound]
      pairs.add(pair)
      inbound.pipe(outbound)
      outbound.pipe(inbound)
      const end = () => {
        pairs.delete(pair)
        inbound.destroy()
        outbound.destroy()
      }
      inbound.on('error', end).on('close', end)
      outbound.on('error', end).on('close', end)
    }
    if (frozen) {
      inbound.pause()
      held.push(relay)
    } else relay()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    freeze() {
      frozen = true
      for (const [a, b] of pairs) {
        a.unpipe(b)
        b.unpipe(a)
        a.pause()
        b.pause()
      }
    },
    thaw() {
      frozen = false
      for (const [a, b] of pairs) {
        a.pipe(b)
        b.pipe(a)
        a.resume()
        b.resume()
      }
      for (const relay of held.splice(0)) relay()
    },
    async close() {
      for (const [a, b] of pairs) {
        a.destroy()
        b.destroy()
      }
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
