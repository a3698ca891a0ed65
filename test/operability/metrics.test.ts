import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? Number.NaN : Number(line.split(' ').pop())
}

describe('GET /metrics', () => {
  let server: TestServer
  before(async () => { server = await startServer({ METRICS_TOKEN: 'metrics-secret' }) })
  after(async () => { await server.close() })

  it('When METRICS_TOKEN is set, then /metrics needs it as a Bearer token', async () => {
    const api = client(server.base)
    assert.equal((await api.get('/metrics')).status, 401)
    assert.equal((await api.get('/metrics', { bearer: 'wrong' })).status, 401)
    const res = await api.get('/metrics', { bearer: 'metrics-secret' })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
  })

  it('When requests, logins, refreshes and logouts happen, then their counters move', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const tokens = await login(api, user.email, user.password)
    await api.post('/api/jwt/create/', { email: user.email, password: 'wrong' })
    const refreshed = await api.post('/api/jwt/refresh/', { refresh: tokens.refresh })
    await api.post('/api/logout/', undefined, { bearer: (refreshed.body as { access: string }).access })
    const text = (await api.get('/metrics', { bearer: 'metrics-secret' })).text
    assert.equal(sample(text, 'logins_total', 'result="succeeded"'), 1)
    assert.equal(sample(text, 'logins_total', 'result="failed"'), 1)
    assert.equal(sample(text, 'tokens_total', 'event="issued"'), 1)
    assert.equal(sample(text, 'tokens_total', 'event="refreshed"'), 1)
    assert.equal(sample(text, 'tokens_total', 'event="revoked"'), 1)
    assert.equal(sample(text, 'http_requests_total', 'route="/api/users/",method="POST",status="201"'), 1)
    assert.ok(sample(text, 'http_request_duration_seconds_count', 'route="/api/jwt/create/",method="POST",status="200"') >= 1)
    assert.equal(sample(text, 'outbox_oldest_pending_age_seconds', ''), Number.NaN)
    assert.match(text, /^outbox_oldest_pending_age_seconds \d+(\.\d+)?$/m)
  })
})
