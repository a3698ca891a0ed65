import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Webhook } from 'standardwebhooks'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import type { WebhookReceiver } from '../helpers/webhook-receiver.ts'
import { userIdOf } from '../helpers/universities.ts'

type Delivery = { id: number; event_id: string; status: string; attempts: number; last_status_code: number | null; next_attempt: string | null;
  delivered: string | null; history: { status_code: number | null; error: string | null }[] }
type Payload = { id: string; type: string; timestamp: string; data: { id: string; type: string; user_id: number; data: Record<string, unknown> } }

// The receiver listens on 127.0.0.1 over http: allowed here only (development and tests), as README says.
const DEV_URLS = { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_SECONDS: '1' }

/** Polls the deliveries route until `done` holds; fails after the deadline. */
async function deliveriesWhen(api: Client, admin: Staff, id: number, done: (d: Delivery[]) => boolean, timeoutMs = 20_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await api.get(`/api/webhooks/${id}/deliveries/`, { bearer: admin.access })
    assert.equal(res.status, 200)
    const deliveries = res.body as Delivery[]
    if (done(deliveries)) return deliveries
    if (Date.now() > deadline) throw new Error(`deliveries never matched: ${JSON.stringify(deliveries)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('Webhook delivery (API.md §13)', () => {
  let server: TestServer
  let api: Client
  let admin: Staff
  let receiver: WebhookReceiver
  before(async () => {
    server = await startServer(DEV_URLS)
    api = client(server.base)
    admin = await loginSiteAdmin(server)
    receiver = await startWebhookReceiver()
  })
  after(async () => {
    await server.close()
    await receiver.close()
  })

  const register = async (path: string, events: string[]) => {
    const res = await api.post('/api/webhooks/', { url: receiver.url(path), events }, { bearer: admin.access })
    assert.equal(res.status, 201, res.text)
    return res.body as { id: number; secret: string }
  }

  it('When a subscribed event happens, then it is POSTed once, signed as Standard Webhooks verifies, with the audit event as data', async () => {
    const hook = await register('/signed', ['user.registered'])
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    await receiver.waitFor('/signed', 1)
    const [request] = receiver.on('/signed')
    assert.ok(request)
    assert.equal(request.headers['content-type'], 'application/json')
    const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']) }
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/)
    const payload = new Webhook(hook.secret).verify(request.body, headers) as Payload
    const id = await userIdOf(server.db, body.email.toLowerCase())
    assert.deepEqual([payload.type, payload.data.type, payload.data.user_id, payload.id, payload.data.id], ['user.registered', 'user.registered', id,
      headers['webhook-id'], headers['webhook-id']])
    assert.equal(payload.timestamp, (payload.data as unknown as { at: string }).at)
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(24, 1).toString('base64')}`).verify(request.body, headers))
    const [delivery] = await deliveriesWhen(api, admin, hook.id, (d) => d[0]?.status === 'delivered')
    assert.deepEqual([delivery?.attempts, delivery?.last_status_code, delivery?.next_attempt, delivery?.event_id], [1, 204, null, payload.id])
    assert.equal(receiver.on('/signed').length, 1)
  })

  it('When the receiver answers 500, 500, then 204, then it gets the event three times with the same webhook-id, and it is delivered', async () => {
    receiver.script('/flaky', [500, 500, 204])
    const hook = await register('/flaky', ['user.activated'])
    await registerAndActivate(server)
    await receiver.waitFor('/flaky', 3)
    const requests = receiver.on('/flaky')
    assert.equal(new Set(requests.map((r) => r.headers['webhook-id'])).size, 1)
    assert.equal(new Set(requests.map((r) => r.body)).size, 1)
    // Back-off: the second attempt waits about the base (1 s, with jitter), the third about twice that.
    const gaps = requests.slice(1).map((r, i) => r.at - (requests[i]?.at ?? 0))
    assert.ok((gaps[0] ?? 0) >= 450 && (gaps[1] ?? 0) >= 950, `gaps ${gaps.join(', ')}`)
    const [delivery] = await deliveriesWhen(api, admin, hook.id, (d) => d[0]?.status === 'delivered')
    assert.deepEqual([delivery?.attempts, delivery?.history.map((h) => h.status_code)], [3, [500, 500, 204]])
    assert.deepEqual(delivery?.history.map((h) => h.error), ['answered 500', 'answered 500', null])
  })

  it('When one receiver never answers, then the other endpoint and the mail are delivered all the same', async () => {
    receiver.script('/hang', ['hang'])
    const hanging = await register('/hang', ['user.registered'])
    const fast = await register('/fast', ['user.registered'])
    const bodies = Array.from({ length: 5 }, () => newUser())
    for (const body of bodies) assert.equal((await api.post('/api/users/', body)).status, 201)
    await receiver.waitFor('/fast', 5, 10_000)
    for (const body of bodies) await server.mail.waitFor((m) => m.to === body.email.toLowerCase() && m.subject.startsWith('Account activation'), 10_000)
    // Two attempts of the hanging endpoint are in flight (its concurrency); the rest wait their turn, not the others'.
    await receiver.waitFor('/hang', 2, 10_000)
    assert.equal(receiver.on('/hang').length, 2)
    const fastDeliveries = await deliveriesWhen(api, admin, fast.id, (d) => d.length === 5 && d.every((x) => x.status === 'delivered'))
    assert.equal(fastDeliveries.length, 5)
    const waiting = await deliveriesWhen(api, admin, hanging.id, (d) => d.length === 5)
    assert.ok(waiting.every((d) => d.status === 'pending'), JSON.stringify(waiting))
  })
})

describe('Webhook delivery: the SSRF check after DNS', () => {
  it('When a webhook\'s name resolves to a private address at delivery, then nothing is sent and the attempt says why', async () => {
    const receiver = await startWebhookReceiver()
    // Saved where private addresses were allowed; delivered by a service that refuses them.
    const lenient = await startServer(DEV_URLS, { keepDatabase: true })
    const admin = await loginSiteAdmin(lenient)
    const url = receiver.url('/internal').replace('127.0.0.1', 'localhost')
    const created = await client(lenient.base).post('/api/webhooks/', { url, events: ['user.registered'] }, { bearer: admin.access })
    assert.equal(created.status, 201)
    await lenient.close()
    const strict = await startServer({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_RETRY_BASE_SECONDS: '60' }, { database: lenient.database })
    try {
      const strictAdmin = await loginSiteAdmin(strict)
      assert.equal((await client(strict.base).post('/api/users/', newUser())).status, 201)
      const id = (created.body as { id: number }).id
      const [delivery] = await deliveriesWhen(client(strict.base), strictAdmin, id, (d) => d[0]?.attempts === 1)
      assert.deepEqual([delivery?.status, delivery?.last_status_code], ['retrying', null])
      assert.equal(delivery?.history[0]?.error, 'localhost resolves to an address that is not public')
      assert.equal(receiver.on('/internal').length, 0)
    } finally {
      await strict.close()
      await receiver.close()
    }
  })
})
