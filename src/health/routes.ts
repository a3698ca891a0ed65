import type { FastifyPluginAsync } from 'fastify'
import { Type } from '@sinclair/typebox'
import { sql } from 'kysely'
import type { Db } from '../platform/db.ts'
import { pendingMigrations } from '../platform/migrate.ts'

type Check = { ok: boolean; detail?: string }

// For the OpenAPI document (platform/openapi.ts).
const CheckJson = Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) })
const ReadinessJson = (description: string) => Type.Object({
  status: Type.String({ description: '`ready` or `unavailable`' }),
  failing: Type.Array(Type.String(), { description: 'names of the failing checks' }),
  checks: Type.Object({ database: CheckJson, migrations: CheckJson, outbox_sender: CheckJson }),
}, { description })
const healthzDocs = {
  summary: 'Liveness: the process answers',
  response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive.', examples: [{ status: 'ok' }] }) },
}
const readyzDocs = {
  summary: 'Readiness: the database answers, migrations are applied, the outbox sender runs',
  response: { 200: ReadinessJson('Ready to serve.'), 503: ReadinessJson('Not ready; `failing` names the checks.') },
}

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
    app.get('/healthz', { schema: healthzDocs }, async () => ({ status: 'ok' }))

    app.get('/readyz', { schema: readyzDocs }, async (_request, reply) => {
      const checks: Record<string, Check> = {
        ...await checkDatabase(),
        outbox_sender: deps.outboxSenderAlive() ? { ok: true } : { ok: false, detail: 'not running' },
      }
      const failing = Object.entries(checks).filter(([, c]) => !c.ok).map(([name]) => name)
      return reply.code(failing.length === 0 ? 200 : 503).send({ status: failing.length === 0 ? 'ready' : 'unavailable', failing, checks })
    })
  }
}
