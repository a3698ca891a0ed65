import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { userIdOf } from '../helpers/universities.ts'
import { STAFF_PASSWORD, loginSiteAdmin, registerUniversity } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §13 seen from §14's pages: every page action is the service's audit event with the signed-in admin as actor;
// /account/ shows the user's recent activity; /admin/audit/ the log with its filters and pages.
type EventJson = {
  id: string; type: string; actor_id: number | null; user_id: number | null; ip: string | null; user_agent: string | null; data: Record<string, unknown>
}

const DATETIME = 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'

describe('Hosted pages: audit events, recent activity and the audit log (API.md §13, §14)', () => {
  let server: TestServer
  let api: Client
  let root: Staff
  let browser: TestBrowser

  before(async () => {
    server = await startServer()
    api = client(server.base)
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
  const events = async (query: string): Promise<EventJson[]> => {
    const res = await api.get(`/api/audit/?${query}`, { bearer: root.access })
    assert.equal(res.status, 200, res.text)
    return (res.body as { results: EventJson[] }).results
  }
  const fromThisBrowser = (event: EventJson | undefined) => {
    assert.ok(event !== undefined, 'the event is recorded')
    assert.equal(event.ip, '127.0.0.1')
    assert.match(event.user_agent ?? '', /Chrome/)
  }

  it('When a site admin acts on the pages, then each action is the service\'s audit event with the admin as actor', async () => {
    const [signedIn] = await events(`user_id=${root.id}&type=login.succeeded`)
    fromThisBrowser(signedIn)
    assert.equal(signedIn?.data.method, 'password')

    const university = await registerUniversity(server)
    const target = await registerAndActivate(server)
    const targetId = await userIdOf(server.db, target.email)
    await login(api, target.email, target.password)
    const { page } = browser
    await page.goto(url('/admin/universities/'))
    await page.getByRole('row').filter({ hasText: university.name }).getByRole('button', { name: 'Approve' }).click()
    await page.getByRole('status').filter({ hasText: 'The university is approved' }).waitFor()
    const [approved] = await events(`type=university.approved`)
    fromThisBrowser(approved)
    assert.equal(approved?.actor_id, root.id)

    await page.goto(url(`/admin/users/${targetId}/`))
    await page.getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('status').filter({ hasText: 'The session is revoked.' }).waitFor()
    await page.getByRole('button', { name: 'Deactivate' }).click()
    await page.getByRole('status').filter({ hasText: 'The account is deactivated' }).waitFor()
    await page.getByLabel('User type').selectOption({ label: 'Moderator' })
    await page.getByRole('button', { name: 'Change type' }).click()
    await page.getByRole('status').filter({ hasText: 'The user type is changed.' }).waitFor()
    await page.getByRole('button', { name: 'Activate' }).click()
    await page.getByRole('status').filter({ hasText: 'The account is active.' }).waitFor()

    const done = (await events(`user_id=${targetId}`)).filter((e) => e.actor_id === root.id).reverse()
    assert.deepEqual(done.map((e) => [e.type, e.data]), [
      ['session.revoked', { reason: 'admin', revoked_session_id: done[0]?.data.revoked_session_id }],
      ['user.updated', { fields: ['is_active'], via: 'admin' }],
      ['user.updated', { fields: ['user_type'], via: 'admin' }],
      ['user.activated', { via: 'admin' }],
    ])
    assert.match(String(done[0]?.data.revoked_session_id), /./)
    for (const event of done) fromThisBrowser(event)

    // The user's page lists those events, and links to the whole log of the user.
    const activity = page.getByRole('table', { name: `Recent activity of ${target.email}` })
    assert.ok((await activity.innerText()).includes('user.activated'))
    await assertAccessible(page, 'user page with activity')
    await page.getByRole('link', { name: 'All events of this user' }).click()
    await page.waitForURL(new RegExp(`/admin/audit/\\?user_id=${targetId}$`))
    assert.equal(await page.getByLabel('User').inputValue(), String(targetId))
  })

  it('When a user opens /account/, then Recent activity lists their own sign-in and profile change, and is accessible', async () => {
    const user = await registerAndActivate(server)
    const own = await openBrowser(server.base, { width: 1280 })
    try {
      const { page } = own
      await signIn(page, server.base, user.email, user.password)
      await page.goto(url('/account/'))
      await page.getByLabel('First name').fill('Renamed')
      await page.getByRole('button', { name: 'Save profile' }).click()
      await page.getByRole('status').filter({ hasText: 'Your profile is saved.' }).waitFor()
      const rows = page.getByRole('table', { name: 'Recent activity of your account' }).locator('tbody tr')
      const texts = await rows.allInnerTexts()
      assert.match(texts[0] ?? '', /Account changed\s+user\.updated/)
      assert.match(texts[0] ?? '', /first_name/)
      assert.ok(texts.some((t) => /Signed in\s+login\.succeeded/.test(t) && t.includes('127.0.0.1')), texts.join('\n'))
      assert.ok(texts.some((t) => t.includes('user.registered')))
      // What GET /api/users/me/activity/ answers (less the sign-in made to ask it): the user's own events only.
      const mine = await api.get('/api/users/me/activity/', { bearer: (await login(api, user.email, user.password)).access })
      const types = (mine.body as { results: EventJson[] }).results.map((e) => e.type)
      assert.deepEqual(await rows.locator('code').allInnerTexts(), types.slice(1))
      await assertAccessible(page, 'account with recent activity')
      await screenshot(page, 'account-activity')
    } finally {
      await own.close()
    }
  })

  it('When the audit log page is filtered by user, type and dates, then it shows those events; a bad date is its field\'s error', async () => {
    const target = await registerAndActivate(server)
    const targetId = await userIdOf(server.db, target.email)
    const { page } = browser
    await page.goto(url('/admin/audit/'))
    await page.getByLabel('User').fill(String(targetId))
    await page.getByLabel('Type').selectOption('user.activated')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/type=user\.activated/)
    const rows = page.getByRole('table', { name: 'Audit events' }).locator('tbody tr')
    assert.deepEqual((await rows.allInnerTexts()).map((t) => /user\.activated/.test(t)), [true])
    await assertAccessible(page, 'audit log')
    await screenshot(page, 'admin-audit')

    await page.getByLabel('Since').fill('2999-01-01T00:00')
    await page.getByRole('button', { name: 'Filter' }).click()
    await page.waitForURL(/since=2999/)
    await page.getByText('No event matches.').waitFor()

    const answer = await page.goto(url('/admin/audit/?since=yesterday'))
    assert.equal(answer?.status(), 400)
    assert.equal(await page.locator('#audit-since-error').innerText(), DATETIME)
    assert.equal(await page.getByLabel('Since').getAttribute('aria-invalid'), 'true')
    await assertAccessible(page, 'audit log with an error')
    assert.equal((await page.goto(url('/admin/audit/?type=user.exploded')))?.status(), 400)
    await page.getByText('Select a valid choice. user.exploded is not one of the available choices.').waitFor()
  })

  it('When more than 50 events match, then Next page shows the older ones without repeating any', async () => {
    const email = 'pages-pager@example.com'
    for (let i = 0; i < 53; i += 1) assert.equal((await api.post('/api/jwt/create/', { email, password: `Wrong-${i}-password` })).status, 401)
    const { page } = browser
    await page.goto(url('/admin/audit/?type=login.failed'))
    const table = page.getByRole('table', { name: 'Audit events' })
    const ids = async () => table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-event') ?? ''))
    const first = await ids()
    assert.equal(first.length, 50)
    const apiFirst = (await events('type=login.failed')).map((e) => e.id)
    assert.deepEqual(first, apiFirst)
    await page.getByRole('link', { name: 'Next page' }).click()
    await page.waitForURL(/cursor=/)
    assert.match(page.url(), /type=login\.failed/)
    const second = await ids()
    assert.ok(second.length >= 3, `${second.length} on the second page`)
    const all = [...first, ...second]
    assert.equal(new Set(all).size, all.length, 'no event on both pages')
    assert.deepEqual(all, [...all].sort().reverse(), 'newest first across the pages')
    const tried = (await table.locator('tbody tr').allInnerTexts()).filter((t) => t.includes(email))
    assert.ok(tried.length >= 3, 'the older events of the wrong sign-ins are on the second page')
    await page.getByRole('link', { name: 'Newest' }).click()
    await page.waitForURL((u) => !u.search.includes('cursor='))
    assert.equal((await ids()).length, 50)
  })
})
