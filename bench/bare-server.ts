// The machine's ceiling: Fastify with one route answering a small JSON object, nothing else (no hooks, no
// logging, no database). Same Node, same Fastify, same loopback as the service, measured in the same run.
import Fastify from 'fastify'

const app = Fastify({ logger: false })
app.get('/bare', async () => ({ id: 1, status: 'ok' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
