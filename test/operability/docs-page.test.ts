import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'

// Debian's Chromium, never a downloaded browser; no network but the loopback (the page must work offline).
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
]
const SCREENSHOTS = new URL('../../test-results/', import.meta.url).pathname

describe('GET /api/docs/', () => {
  let server: TestServer
  let profile: string | undefined
  let context: BrowserContext | undefined
  let page: Page
  /** Every URL the page asked for; anything not on the test server is refused, and recorded. */
  const requested: string[] = []
  const elsewhere: string[] = []
  const consoleErrors: string[] = []

  before(async () => {
    server = await startServer()
    profile = mkdtempSync(join(tmpdir(), 'unilink-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      // Tall: Swagger UI draws an operation only once it is scrolled into view, and the page now holds 100+ of them.
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, chromiumSandbox: false, viewport: { width: 1280, height: 24000 },
    })
    await context.route('**/*', async (route) => {
      const url = route.request().url()
      requested.push(url)
      if (url.startsWith(`${server.base}/`) || url.startsWith('data:')) return route.continue()
      elsewhere.push(url)
      return route.abort()
    })
    page = await context.newPage()
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
    page.on('pageerror', (error) => consoleErrors.push(error.message))
  })
  // Also after a failed start (no browser): whatever was opened is closed, so the test process ends and reports.
  after(async () => {
    try {
      await context?.close()
    } finally {
      if (profile !== undefined) rmSync(profile, { recursive: true, force: true })
      // Unset when startServer itself failed.
      await (server as TestServer | undefined)?.close()
    }
  })

  it('When the page is fetched, then it is HTML whose assets all come from the service', async () => {
    const api = client(server.base)
    const res = await api.get('/api/docs/')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self';/)
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '')
    assert.ok(assets.length >= 5, res.text)
    for (const asset of assets) {
      assert.match(asset, /^\.\/static\//, `${asset} is not served by the service`)
      assert.equal((await api.get(`/api/docs/${asset.slice(2)}`)).status, 200, asset)
    }
    // The online validator badge would fetch from the Internet.
    assert.match((await api.get('/api/docs/static/swagger-initializer.js')).text, /validatorUrl: null,/)
    assert.equal((await api.get('/api/docs')).headers.get('location'), '/api/docs/')
  })

  it('When a browser opens the page, then it lists every operation of the document without leaving the machine', async () => {
    const doc = (await client(server.base).get('/api/schema/')).body as { paths: Record<string, object> }
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0)
    await page.goto(`${server.base}/api/docs/`)
    await page.locator('.opblock-summary-path[data-path="/api/jwt/create/"]').waitFor()
    for (const path of ['/api/users/', '/api/users/{id}/', '/api/sessions/', '/api/university/create/', '/healthz']) {
      assert.ok(await page.locator(`.opblock-summary-path[data-path="${path}"]`).count() > 0, path)
    }
    assert.equal(await page.locator('.opblock').count(), operations)
    assert.equal(await page.locator('.information-container .title').first().innerText().then((t) => t.startsWith('UniLink Accounts API')), true)
    mkdirSync(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-page.png') })
    assert.ok(statSync(join(SCREENSHOTS, 'docs-page.png')).size > 10_000)
    assert.deepEqual(elsewhere, [])
    assert.ok(requested.some((url) => url.endsWith('/api/docs/static/swagger-ui-bundle.js')), requested.join('\n'))
  })

  it('When an operation is opened in the page, then its body media types and its error answers with examples are shown', async () => {
    const operation = page.locator('#operations-tokens-postApiJwtCreate')
    await operation.locator('.opblock-summary').click()
    await operation.locator('.responses-wrapper').waitFor()
    const text = await operation.innerText()
    for (const expected of ['application/json', 'No active account found with the given credentials', 'Request was throttled.', '413', '415']) {
      assert.ok(text.includes(expected), `${expected} not shown:\n${text}`)
    }
    await operation.screenshot({ path: join(SCREENSHOTS, 'docs-page-operation.png') })
    await operation.locator('.opblock-summary').click()
  })

  it('When an operation is tried out in the page, then the service answers it and the page shows the answer', async () => {
    const operation = page.locator('#operations-service-getHealthz')
    await operation.locator('.opblock-summary').click()
    await operation.getByRole('button', { name: 'Try it out' }).click()
    await operation.getByRole('button', { name: 'Execute' }).click()
    const answer = operation.locator('.live-responses-table tbody tr').first()
    await answer.waitFor()
    assert.equal((await answer.locator('.response-col_status').innerText()).trim(), '200')
    assert.match(await answer.locator('.microlight').first().innerText(), /"status": "ok"/)
    await page.screenshot({ path: join(SCREENSHOTS, 'docs-page-try-it-out.png') })
    assert.deepEqual(elsewhere, [])
    assert.deepEqual(consoleErrors, [])
  })
})
