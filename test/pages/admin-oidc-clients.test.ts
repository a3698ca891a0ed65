import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { STAFF_PASSWORD, loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { storedEvents } from '../helpers/audit.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'
import { clientSecretMatches } from '../../src/oidc/client-secrets.ts'

// API.md §14's "OIDC clients (§15)" in the admin console: list, register (the secret shown once), rotate, delete.
const HOSTILE_NAME = '<img src=x onerror=alert(1)>'

describe('Hosted pages: /admin/oidc-clients/ (API.md §14, §15)', () => {
  let server: TestServer
  let browser: TestBrowser
  let root: Staff

  before(async () => {
    server = await startServer()
    root = await loginSiteAdmin(server)
    browser = await openBrowser(server.base, { width: 1440 })
    browser.page.on('dialog', (dialog) => void dialog.accept())
    await signIn(browser.page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/')
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const url = (path: string) => `${server.base}${path}`
  const hashOf = async (clientId: string) =>
    (await server.db.selectFrom('oidcClients').select('secretHash').where('clientId', '=', clientId).executeTakeFirstOrThrow()).secretHash
  const listed = async () => (await client(server.base).get('/api/oidc/clients/', { bearer: root.access })).body as { client_id: string; name: string }[]

  it('When a site admin registers a confidential client, then a wrong URI is shown in its field, and the secret once, stored hashed', async () => {
    const { page } = browser
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'OIDC clients' }).click()
    assert.equal(new URL(page.url()).pathname, '/admin/oidc-clients/')
    await page.getByText('No clients yet.').waitFor()
    await assertAccessible(page, 'oidc clients, empty')

    await page.getByLabel('Name').fill(HOSTILE_NAME)
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://library.example.edu/cb\nhttp://library.example.edu/cb')
    await page.getByRole('button', { name: 'Register client' }).click()
    assert.equal(await page.locator('#client-redirect_uris-error').innerText(),
      'http://library.example.edu/cb: Enter an https URL; http is allowed only on localhost, 127.0.0.1 or [::1].')
    assert.equal(await page.getByLabel('Name').inputValue(), HOSTILE_NAME)
    assert.equal(await page.getByLabel('Redirect URIs', { exact: true }).inputValue(), 'https://library.example.edu/cb\nhttp://library.example.edu/cb')
    await assertAccessible(page, 'oidc clients, form error')
    assert.deepEqual(await listed(), [])

    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://library.example.edu/cb\n\nhttp://localhost:8080/cb\n')
    await page.getByLabel('Post-logout redirect URIs').fill('https://library.example.edu/bye')
    await page.getByRole('button', { name: 'Register client' }).click()
    await page.getByRole('status').filter({ hasText: 'The client is registered.' }).waitFor()
    const clientId = await page.locator('#shown-client-id').innerText()
    const secret = await page.locator('#client-secret').innerText()
    assert.match(secret, /^[\w-]{43}$/)
    assert.equal(clientSecretMatches(secret, await hashOf(clientId)), true)
    const [made] = await listed() as { client_id: string; name: string; redirect_uris: string[]; post_logout_redirect_uris: string[]; type: string }[]
    assert.deepEqual([made?.client_id, made?.name, made?.type, made?.redirect_uris, made?.post_logout_redirect_uris],
      [clientId, HOSTILE_NAME, 'confidential', ['https://library.example.edu/cb', 'http://localhost:8080/cb'], ['https://library.example.edu/bye']])
    const row = page.getByRole('row').filter({ hasText: clientId })
    assert.ok((await row.innerText()).includes(HOSTILE_NAME), 'the name is shown as text')
    assert.equal(await page.locator('main img, main script').count(), 0)
    await assertAccessible(page, 'oidc clients, secret shown')
    await screenshot(page, 'admin-oidc-clients')

    await page.goto(url('/admin/oidc-clients/'))
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again')
    const events = (await storedEvents(server.db)).filter((e) => e.type === 'oidc.client_changed')
    assert.deepEqual(events.map((e) => [e.actorId, e.data]), [[root.id, { client_id: clientId, change: 'created' }]])
  })

  it('When the secret is rotated and the client deleted by their buttons, then the new secret matches alone, then the client is gone', async () => {
    const { page } = browser
    await page.goto(url('/admin/oidc-clients/'))
    await page.getByLabel('Name').fill('Forum')
    await page.getByLabel('Redirect URIs', { exact: true }).fill('https://forum.example.edu/cb')
    await page.getByRole('button', { name: 'Register client' }).click()
    const clientId = await page.locator('#shown-client-id').innerText()
    const first = await page.locator('#client-secret').innerText()

    await page.getByRole('button', { name: 'Rotate the secret of Forum' }).click()
    await page.getByRole('status').filter({ hasText: 'The secret is rotated: the old one no longer works.' }).waitFor()
    const second = await page.locator('#client-secret').innerText()
    assert.equal(await page.locator('#shown-client-id').innerText(), clientId)
    const hash = await hashOf(clientId)
    assert.deepEqual([clientSecretMatches(second, hash), clientSecretMatches(first, hash)], [true, false])

    await page.getByRole('button', { name: 'Delete Forum' }).click()
    await page.getByRole('status').filter({ hasText: 'The client is deleted' }).waitFor()
    assert.ok(!(await listed()).some((c) => c.client_id === clientId))
    const changes = (await storedEvents(server.db)).filter((e) => e.type === 'oidc.client_changed' && e.data.client_id === clientId)
    assert.deepEqual(changes.map((e) => [e.actorId, e.data.change]), [[root.id, 'created'], [root.id, 'secret_rotated'], [root.id, 'deleted']])
  })

  it('When a public first-party client is registered at 360 px in dark mode, then no secret, no rotate button, and the page fits', async () => {
    const small = await openBrowser(server.base, { width: 360, height: 780 })
    try {
      await small.page.emulateMedia({ colorScheme: 'dark' })
      await signIn(small.page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/oidc-clients/')
      assert.equal(new URL(small.page.url()).pathname, '/admin/oidc-clients/')
      await small.page.getByLabel('Name').fill('Campus app')
      await small.page.getByLabel('Type').selectOption('public')
      await small.page.getByLabel('First-party (skips the consent page)').check()
      await small.page.getByLabel('Redirect URIs', { exact: true }).fill('https://app.example.edu/a-rather-long-callback-path/that/keeps/going/oidc/callback')
      await small.page.getByRole('button', { name: 'Register client' }).click()
      await small.page.getByRole('status').filter({ hasText: 'The client is registered.' }).waitFor()
      assert.equal(await small.page.locator('#client-secret').count(), 0)
      assert.equal(await small.page.getByRole('button', { name: 'Rotate the secret of Campus app' }).count(), 0)
      const made = (await listed()).find((c) => c.name === 'Campus app') as { type: string; first_party: boolean } | undefined
      assert.deepEqual([made?.type, made?.first_party], ['public', true])
      await assertAccessible(small.page, 'oidc clients at 360px, dark')
      await screenshot(small.page, 'admin-oidc-clients-360-dark')
      const overflow = await small.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`)
    } finally {
      await small.close()
    }
  })

  it('When a student opens the page or posts its form, or a form comes without its CSRF token, then 403 and nothing is stored', async () => {
    const before = await listed()
    const student = await registerAndActivate(server)
    const other = await openBrowser(server.base)
    try {
      await signIn(other.page, server.base, student.email, student.password)
      const res = await other.page.goto(url('/admin/oidc-clients/'))
      assert.equal(res?.status(), 403)
      await other.page.getByRole('alert').filter({ hasText: 'You do not have permission to perform this action.' }).waitFor()
      const form = { name: 'Evil', redirect_uris: 'https://evil.example.com/cb', type: 'confidential' }
      const post = await other.context.request.post(url('/admin/oidc-clients/'), { form, headers: { origin: server.base } })
      assert.equal(post.status(), 403)
    } finally {
      await other.close()
    }
    const noToken = await browser.context.request.post(url('/admin/oidc-clients/'), {
      form: { name: 'No token', redirect_uris: 'https://x.example.edu/cb' }, headers: { origin: server.base },
    })
    assert.equal(noToken.status(), 403)
    assert.deepEqual(await listed(), before)
  })
})
