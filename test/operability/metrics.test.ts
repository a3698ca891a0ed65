import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'

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
    // The histogram in Prometheus' form: cumulative buckets, the +Inf one equal to the count, and a sum.
    const created = 'route="/api/users/",method="POST",status="201"'
    const buckets = ['0.001', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']
      .map((le) => sample(text, 'http_request_duration_seconds_bucket', `le="${le}",${created}`))
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b))
    assert.equal(buckets.at(-1), 1)
    assert.equal(sample(text, 'http_request_duration_seconds_count', created), 1)
    assert.ok(sample(text, 'http_request_duration_seconds_sum', created) > 0)
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m)
    assert.match(text, /^# TYPE http_requests_total counter$/m)
    assert.equal(sample(text, 'outbox_oldest_pending_age_seconds', ''), Number.NaN)
    assert.match(text, /^outbox_oldest_pending_age_seconds \d+(\.\d+)?$/m)
  })
})

describe('GET /metrics: mails_total', () => {
  let server: TestServer
  let smtpPort: number
  // SMTP is down at first; a mail gets one retry, then is given up.
  before(async () => {
    smtpPort = await freePort()
    server = await startServer({ EMAIL_MAX_ATTEMPTS: '2' }, { smtpPort })
  })
  after(async () => { await server.close() })

  /** The metrics once `name{labels}` reads `value`: the sender counts just after the event the test can see. */
  async function metricsWhen(name: string, labels: string, value: number): Promise<string> {
    const deadline = Date.now() + 10_000
    for (;;) {
      const text = (await client(server.base).get('/metrics')).text
      if (sample(text, name, labels) === value || Date.now() > deadline) return text
    }
  }

  it('When mail is queued, retried, given up and sent, then each event is counted', async () => {
    const api = client(server.base)
    assert.equal((await api.post('/api/users/', newUser())).status, 201)
    await server.logs.waitFor((line) => line.msg === 'mail delivery failed' && line.giveUp === true)
    let text = await metricsWhen('mails_total', 'event="failed"', 1)
    assert.equal(sample(text, 'mails_total', 'event="queued"'), 1)
    assert.equal(sample(text, 'mails_total', 'event="retrying"'), 1)
    assert.equal(sample(text, 'mails_total', 'event="failed"'), 1)
    assert.equal(sample(text, 'mails_total', 'event="sent"'), 0)

    const sink = await startSmtpSink(smtpPort)
    try {
      const body = newUser()
      assert.equal((await api.post('/api/users/', body)).status, 201)
      await sink.waitFor((m) => m.to === body.email)
      text = await metricsWhen('mails_total', 'event="sent"', 1)
      assert.equal(sample(text, 'mails_total', 'event="queued"'), 2)
      assert.equal(sample(text, 'mails_total', 'event="sent"'), 1)
      assert.equal(sample(text, 'mails_total', 'event="failed"'), 1)
    } finally {
      await sink.close()
    }
  })
})
