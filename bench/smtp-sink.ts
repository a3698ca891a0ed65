// Where the service's outbox delivers registration mail during the benchmark: a real SMTP server in this process
// that counts messages and throws them away (the test suite's sink also parses each one, which costs CPU here).
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export async function startCountingSmtpSink() {
  let received = 0
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
        received += 1
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.server.address() as AddressInfo).port,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
