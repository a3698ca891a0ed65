import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import type { AddressInfo } from 'node:net'
import { Webhook } from 'standardwebhooks'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { newUser } from '../helpers/flows.ts'
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts'
import type { Received, WebhookReceiver } from '../helpers/webhook-receiver.ts'
import { STAFF_PASSWORD, loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §13's webhooks on §14's /admin/webhooks/ (site admins): list, add (the secret shown once), an endpoint's
// recent deliveries, rotate the secret, delete; each through the service of /api/webhooks/, audited as webhook.changed.
// A real receiver on loopback (WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE), signatures checked by standardwebhooks.
const DEADLINE_MS = 20_000

describe('Hosted pages: /admin/webhooks/ (API.md §13, §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let receiver: WebhookReceiver
  let root: Staff

  before(async () => {
    server = await startServer({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' })
    receiver = await startWebhookReceiver()
    root = await loginSiteAdmin(server)
    browser = await openBrowser(server.base, { width: 1440 })
    browser.page.on('dialog', (dialog) => void dialog.accept())
    await signIn(browser.page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/webhooks/')
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await receiver?.close()
      await (server as TestServer | undefined)?.close()
    }
  })

  const url = (path: string) => `${server.base}${path}`
  const register = async () => assert.equal((await client(server.base).post('/api/users/', newUser())).status, 201)
  const verified = (secret: string, request: Received) => new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { type: string }
  const endpointIds = async () => (await server.db.selectFrom('webhookEndpoints').select('id').execute()).map((r) => r.id)
  const changes = async () => (await server.db.selectFrom('auditEvents').select(['actorId', 'data']).where('type', '=', 'webhook.changed')
    .orderBy('at').orderBy('id').execute()).map((e) => ({ actorId: e.actorId, change: (JSON.parse(e.data) as { change: string }).change }))

  it('When the form is sent without a URL or events, then the service\'s messages are shown in it and nothing is created', async () => {
    const { page } = browser
    assert.equal(new URL(page.url()).pathname, '/admin/webhooks/')
    await page.getByText('No endpoints yet.').waitFor()
    await assertAccessible(page, 'webhooks, empty')
    await page.getByLabel('Description').fill('<img src=x onerror=alert(1)>')
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await page.getByText('This field may not be blank.').waitFor()
    await page.getByText('This selection may not be empty.').waitFor()
    assert.equal(await page.getByLabel('URL').getAttribute('aria-invalid'), 'true')
    assert.equal(await page.getByLabel('Description').inputValue(), '<img src=x onerror=alert(1)>', 'what was typed, as text')
    await assertAccessible(page, 'webhooks, form with errors')
    assert.deepEqual(await endpointIds(), [])
  })

  it('When an endpoint is added, then its secret is shown once and signs the deliveries its page lists', async () => {
    const { page } = browser
    await page.goto(url('/admin/webhooks/'))
    await page.getByLabel('URL').fill(receiver.url('/hook'))
    await page.getByLabel('Description').fill('CRM sync')
    await page.getByLabel('user.registered', { exact: true }).check()
    await page.getByRole('button', { name: 'Add endpoint' }).click()
    await page.getByRole('status').filter({ hasText: 'The endpoint is created.' }).waitFor()
    const secret = await page.getByLabel('Signing secret').inputValue()
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/)
    await assertAccessible(page, 'webhook with its secret')
    await screenshot(page, 'admin-webhook-created')
    const [id] = await endpointIds()
    assert.equal(new URL(page.url()).pathname, '/admin/webhooks/', 'the secret is in the answer of the POST, never in a URL')

    await register()
    await receiver.waitFor('/hook', 1)
    const [request] = receiver.on('/hook')
    assert.ok(request)
    assert.equal(verified(secret, request).type, 'user.registered')
    // The endpoint's own page (GET) lists the delivery once the sender has settled it; the secret is not shown again.
    const deadline = Date.now() + DEADLINE_MS
    while (!await server.db.selectFrom('webhookDeliveries').select('id').where('deliveredAt', 'is not', null).executeTakeFirst()) {
      if (Date.now() > deadline) throw new Error('the delivery was never settled')
      await delay(50)
    }
    await page.goto(url(`/admin/webhooks/${id}/`))
    const row = page.getByRole('table', { name: /Recent deliveries/ }).locator('tbody tr')
    assert.equal(await row.count(), 1)
    assert.match(await row.innerText(), /user\.registered[\s\S]*delivered\s+1\s+204/)
    assert.equal(await page.getByLabel('Signing secret').count(), 0)
    await assertAccessible(page, 'webhook page')
    await screenshot(page, 'admin-webhook')

    await page.getByRole('button', { name: 'Rotate secret' }).click()
    await page.getByRole('status').filter({ hasText: 'The secret is replaced' }).waitFor()
    const rotated = await page.getByLabel('Signing secret').inputValue()
    assert.notEqual(rotated, secret)
    await register()
    await receiver.waitFor('/hook', 2)
    const second = receiver.on('/hook')[1]
    assert.ok(second)
    assert.equal(verified(rotated, second).type, 'user.registered')
    assert.throws(() => verified(secret, second), 'the old secret no longer signs')

    await page.goto(url('/admin/webhooks/'))
    const listed = page.getByRole('row').filter({ hasText: receiver.url('/hook') })
    assert.match(await listed.innerText(), /user\.registered\s+CRM sync/)
    await assertAccessible(page, 'webhooks list')
    await screenshot(page, 'admin-webhooks')
  })

  it('When an admin action is posted by another site\'s page with the admin\'s cookies, then 403 and the endpoint stays', async () => {
    const [id] = await endpointIds()
    const evil = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html')
      response.end(`<!doctype html><title>Win a prize</title><form method="post" action="${server.base}/admin/webhooks/${id}/delete/">
        <input type="hidden" name="_csrf" value="guessed"><button>Claim</button></form>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, 'localhost', resolve))
    const evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`
    const attacked = await openBrowser(server.base, { alsoAllow: evilOrigin })
    try {
      await signIn(attacked.page, server.base, root.email, STAFF_PASSWORD)
      await attacked.page.goto(`${evilOrigin}/`)
      const answer = attacked.page.waitForResponse((r) => r.url().endsWith(`/admin/webhooks/${id}/delete/`))
      await attacked.page.getByRole('button', { name: 'Claim' }).click()
      const res = await answer
      assert.equal(res.status(), 403)
      assert.match(await res.text(), /CSRF Failed: Origin checking failed/)
      assert.deepEqual(await endpointIds(), [id])
    } finally {
      await attacked.close()
      evil.close()
    }
  })

  it('When an endpoint is deleted from its page, then it is gone for the API too, and every change names the admin as actor', async () => {
    const [id] = await endpointIds()
    const { page } = browser
    await page.goto(url(`/admin/webhooks/${id}/`))
    await page.getByRole('button', { name: 'Delete endpoint' }).click()
    await page.getByRole('status').filter({ hasText: 'The webhook endpoint is deleted.' }).waitFor()
    assert.equal(new URL(page.url()).pathname, '/admin/webhooks/')
    await page.getByText('No endpoints yet.').waitFor()
    const api = await client(server.base).get('/api/webhooks/', { bearer: root.access })
    assert.deepEqual(api.body, [])
    assert.equal((await page.goto(url(`/admin/webhooks/${id}/`)))?.status(), 404)
    assert.deepEqual(await changes(), ['created', 'secret_rotated', 'deleted'].map((change) => ({ actorId: root.id, change })))
  })
})
