import type { FastifyPluginAsync } from 'fastify'
import { sql } from 'kysely'
import type { Db } from '../platform/db.ts'
import { pendingMigrations } from '../platform/migrate.ts'

type Check = { ok: boolean; detail?: string }

/**
 * `GET /healthz`: the process answers. `GET /readyz`: it can serve — the database answers, every migration is
 * applied and the outbox sender runs; otherwise 503 naming the failing checks (for load balancers and orchestrators).
 */
export function healthRoutes(deps: { db: Db; outboxSenderAlive: () => boolean }): FastifyPluginAsync {
  const { db } = deps

  async function checkDatabase(): Promise<{ database: Check; migrations: Check }> {
    try {
      await sql`select 1`.execute(db)
    } catch (error) {
      const detail = error instanceof Error ? error.message : 'unreachable'
      return { database: { ok: false, detail }, migrations: { ok: false, detail: 'database unreachable' } }
    }
    const pending = await pendingMigrations(db)
    return {
      database: { ok: true },
      migrations: pending.length === 0 ? { ok: true } : { ok: false, detail: `pending: ${pending.join(', ')}; run npm run migrate` },
    }
  }

  return async (app) => {
    app.get('/healthz', async () => ({ status: 'ok' }))

    app.get('/readyz', async (_request, reply) => {
      const checks: Record<string, Check> = {
        ...await checkDatabase(),
        outbox_sender: deps.outboxSenderAlive() ? { ok: true } : { ok: false, detail: 'not running' },
      }
      const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name)
      return reply.code(failing.length === 0 ? 200 : 503).send({ status: failing.length === 0 ? 'ready' : 'unavailable', failing, checks })
    })
  }
}
