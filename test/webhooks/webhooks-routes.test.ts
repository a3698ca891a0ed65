import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { storedEvents } from '../helpers/audit.ts'

type WebhookJson = { id: number; url: string; events: string[]; description: string; created: string; secret?: string }
const PUBLIC = ['Enter a public http(s) URL.']

describe('POST/GET /api/webhooks/, GET/PATCH/DELETE /api/webhooks/{id}/, POST /api/webhooks/{id}/rotate-secret/', () => {
  let server: TestServer
  let api: Client
  let admin: Staff
  before(async () => {
    // The defaults: https only, public addresses only.
    server = await startServer()
    api = client(server.base)
    admin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const create = (body: unknown) => api.post('/api/webhooks/', body, { bearer: admin.access })

  it('When anonymous or not a site admin, then every webhook route answers 401 or 403', async () => {
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    for (const [method, path] of [['POST', '/api/webhooks/'], ['GET', '/api/webhooks/'], ['GET', '/api/webhooks/1/'], ['PATCH', '/api/webhooks/1/'],
      ['DELETE', '/api/webhooks/1/'], ['POST', '/api/webhooks/1/rotate-secret/'], ['GET', '/api/webhooks/1/deliveries/']] as const) {
      const json = method === 'GET' ? undefined : {}
      const anonymous = await api.call(method, path, { json })
      assert.deepEqual([anonymous.status, anonymous.body], [401, { detail: 'Authentication credentials were not provided.' }], `${method} ${path}`)
      const forbidden = await api.call(method, path, { json, bearer: access })
      assert.deepEqual([forbidden.status, forbidden.body], [403, { detail: 'You do not have permission to perform this action.' }], `${method} ${path}`)
    }
  })

  it('When a URL is not https or reaches a private, loopback, link-local or metadata address, then it is refused', async () => {
    const refused = ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://localhost:8443/hook', 'https://10.1.2.3/hook',
      'https://192.168.0.10/hook', 'https://169.254.169.254/latest/meta-data/', 'https://[::1]/hook', 'https://[::ffff:127.0.0.1]/hook',
      'https://[fd00:ec2::254]/hook', 'https://100.100.100.200/hook', 'https://0.0.0.0/hook']
    for (const url of refused) {
      const res = await create({ url, events: ['user.registered'] })
      assert.deepEqual([res.status, res.body], [400, { url: PUBLIC }], url)
    }
    const invalid = await create({ url: 'ftp://example.com/x', events: ['user.registered'] })
    assert.deepEqual([invalid.status, invalid.body], [400, { url: ['Enter a valid URL.'] }])
  })

  it('When the body has bad events or description, then every bad field is a DRF field error, never a 500', async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [{}, { url: ['This field is required.'], events: ['This field is required.'] }],
      [{ url: 'https://8.8.8.8/x', events: [] }, { events: ['This selection may not be empty.'] }],
      [{ url: 'https://8.8.8.8/x', events: 'user.registered' }, { events: ['Expected a list of items but got type "str".'] }],
      [{ url: 'https://8.8.8.8/x', events: ['user.exploded', 7] }, { events: ['"user.exploded" is not a valid choice.', '"7" is not a valid choice.'] }],
      [{ url: 'https://8.8.8.8/x', events: ['*'], description: 'x'.repeat(501) }, { description: ['Ensure this field has no more than 500 characters.'] }],
      [{ url: 'nope', events: null, description: ['x'] }, { url: ['Enter a valid URL.'], events: ['Expected a list of items but got type "NoneType".'],
        description: ['Not a valid string.'] }],
    ]
    for (const [body, errors] of cases) {
      const res = await create(body)
      assert.deepEqual([res.status, res.body], [400, errors], JSON.stringify(body))
    }
  })

  it('When a site admin creates, reads, changes, rotates and deletes a webhook, then the secret is shown only twice and each change is audited', async () => {
    const created = await create({ url: 'https://8.8.8.8/hooks/unilink', events: ['user.registered', 'user.deleted', 'user.registered'], description: 'LMS' })
    assert.equal(created.status, 201)
    const hook = created.body as WebhookJson
    assert.deepEqual(Object.keys(hook), ['id', 'url', 'events', 'description', 'created', 'secret'])
    assert.deepEqual([hook.url, hook.events, hook.description], ['https://8.8.8.8/hooks/unilink', ['user.registered', 'user.deleted'], 'LMS'])
    assert.match(hook.secret ?? '', /^whsec_[A-Za-z0-9+/]{32}$/)
    const stored = await server.db.selectFrom('webhookEndpoints').select('secretSealed').where('id', '=', hook.id).executeTakeFirstOrThrow()
    assert.ok(!stored.secretSealed.includes((hook.secret ?? '').slice(6)), 'the secret is stored sealed')

    const listed = await api.get('/api/webhooks/', { bearer: admin.access })
    const withoutSecret = Object.fromEntries(Object.entries(hook).filter(([key]) => key !== 'secret'))
    assert.deepEqual([listed.status, (listed.body as WebhookJson[]).find((w) => w.id === hook.id)], [200, withoutSecret])
    const one = await api.get(`/api/webhooks/${hook.id}/`, { bearer: admin.access })
    assert.equal((one.body as WebhookJson).secret, undefined)

    const patched = await api.patch(`/api/webhooks/${hook.id}/`, { events: ['*'], description: '' }, { bearer: admin.access })
    assert.deepEqual([patched.status, (patched.body as WebhookJson).events, (patched.body as WebhookJson).description], [200, ['*'], ''])
    const badPatch = await api.patch(`/api/webhooks/${hook.id}/`, { url: 'https://127.0.0.1/x' }, { bearer: admin.access })
    assert.deepEqual([badPatch.status, badPatch.body], [400, { url: PUBLIC }])

    const rotated = await api.post(`/api/webhooks/${hook.id}/rotate-secret/`, {}, { bearer: admin.access })
    assert.equal(rotated.status, 200)
    assert.match((rotated.body as WebhookJson).secret ?? '', /^whsec_/)
    assert.notEqual((rotated.body as WebhookJson).secret, hook.secret)

    const deliveries = await api.get(`/api/webhooks/${hook.id}/deliveries/`, { bearer: admin.access })
    assert.equal(deliveries.status, 200)
    assert.ok(Array.isArray(deliveries.body))
    assert.equal((await api.delete(`/api/webhooks/${hook.id}/`, undefined, { bearer: admin.access })).status, 204)
    for (const path of [`/api/webhooks/${hook.id}/`, '/api/webhooks/abc/', '/api/webhooks/99999999999/', `/api/webhooks/${hook.id}/deliveries/`]) {
      const gone = await api.get(path, { bearer: admin.access })
      assert.deepEqual([gone.status, gone.body], [404, { detail: 'Not found.' }], path)
    }

    const changes = (await storedEvents(server.db)).filter((e) => e.type === 'webhook.changed')
    assert.deepEqual(changes.map((e) => [e.data.change, e.actorId]), [
      ['created', admin.id], ['updated', admin.id], ['secret_rotated', admin.id], ['deleted', admin.id],
    ])
    const dump = JSON.stringify(await storedEvents(server.db))
    for (const secret of [hook.secret, (rotated.body as WebhookJson).secret]) assert.ok(!dump.includes(String(secret).slice(6)))
    assert.ok(!dump.includes('8.8.8.8/hooks'), 'the URL (which may carry a token) is not in the log')
  })
})
