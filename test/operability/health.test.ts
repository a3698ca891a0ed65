import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'

describe('GET /healthz and GET /readyz', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('When the process runs, then /healthz answers 200 {"status": "ok"}', async () => {
    const res = await client(server.base).get('/healthz')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { status: 'ok' })
  })

  it('When database, migrations and outbox sender are fine, then /readyz answers 200 with each check', async () => {
    const res = await client(server.base).get('/readyz')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      status: 'ready', failing: [],
      checks: { database: { ok: true }, migrations: { ok: true }, outbox_sender: { ok: true } },
    })
  })

  it('When a migration is not applied, then /readyz answers 503 naming the failing check', async () => {
    await server.db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '0002_rate_limits' as never).execute()
    const res = await client(server.base).get('/readyz')
    assert.equal(res.status, 503)
    const body = res.body as { status: string; failing: string[]; checks: Record<string, { ok: boolean; detail?: string }> }
    assert.equal(body.status, 'unavailable')
    assert.deepEqual(body.failing, ['migrations'])
    assert.match(body.checks.migrations?.detail ?? '', /0002_rate_limits/)
  })
})
