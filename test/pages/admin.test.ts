import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { createTestClock } from '../helpers/clock.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { userIdOf } from '../helpers/universities.ts'
import { APPROVAL_SUBJECT, STAFF_PASSWORD, loginSiteAdmin, mailTo, registerUniversity } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §14 /admin/ for site admins: universities, users, outbox; refused to others; a fresh sign-in within
// ADMIN_REAUTH_SECONDS (the service's clock is the test's, so the 15 minutes pass without waiting).
const clock = createTestClock()

describe('Hosted pages: /admin/ for site admins (API.md §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let root: Staff

  before(async () => {
    server = await startServer({}, { clock: clock.now })
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

  it('When a site admin opens /admin/, then the overview counts what waits for them and is accessible', async () => {
    const { page } = browser
    assert.equal(new URL(page.url()).pathname, '/admin/')
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Universities' }).waitFor()
    await assertAccessible(page, 'admin overview')
    await screenshot(page, 'admin-overview')
  })

  it('When a pending university is approved and then banned from its page, then the §8 services did it and its admin is mailed', async () => {
    const university = await registerUniversity(server)
    const { page } = browser
    await page.goto(url('/admin/universities/'))
    const row = page.getByRole('row').filter({ hasText: university.name })
    await assertAccessible(page, 'universities')
    await screenshot(page, 'admin-universities')
    await row.getByRole('button', { name: 'Approve' }).click()
    await page.getByRole('status').filter({ hasText: 'The university is approved' }).waitFor()
    await mailTo(server, university.adminEmail, APPROVAL_SUBJECT, /has been approved/)
    const api = client(server.base)
    const listed = async () => ((await api.get('/api/university/list/')).body as { id: number }[]).some((u) => u.id === university.id)
    assert.equal(await listed(), true)

    await page.getByRole('link', { name: 'Approved' }).click()
    await page.getByRole('row').filter({ hasText: university.name }).getByRole('button', { name: 'Ban' }).click()
    await page.getByRole('status').filter({ hasText: 'The university is banned.' }).waitFor()
    assert.equal(await listed(), false)
    await page.getByRole('link', { name: 'Banned' }).click()
    await page.getByRole('row').filter({ hasText: university.name }).getByRole('button', { name: 'Unban' }).click()
    await page.getByRole('status').filter({ hasText: 'The university is no longer banned.' }).waitFor()
    assert.equal(await listed(), true)
  })

  it('When users are searched and one is deactivated from its page, then its tokens die and it cannot sign in', async () => {
    const target = await registerAndActivate(server, { last_name: 'Searchable' })
    const other = await registerAndActivate(server)
    const { access } = await login(client(server.base), target.email, target.password)
    const { page } = browser
    await page.goto(url('/admin/users/'))
    await page.getByLabel('Search').fill('searchable')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/q=searchable/)
    const rows = page.locator('#user-results tbody tr')
    assert.equal(await rows.count(), 1)
    assert.ok((await rows.innerText()).includes(target.email))
    assert.equal(await page.getByRole('cell', { name: other.email }).count(), 0)
    await assertAccessible(page, 'users')
    await screenshot(page, 'admin-users')
    await page.getByLabel('Active').selectOption('no')
    await page.getByRole('button', { name: 'Search' }).click()
    await page.waitForURL(/active=no/)
    assert.equal(await page.locator('#user-results tbody tr').count(), 0)

    await page.goto(url(`/admin/users/${await userIdOf(server.db, target.email)}/`))
    const sessionsTable = page.getByRole('table', { name: `Sessions of ${target.email}` })
    assert.equal(await sessionsTable.locator('tbody tr').count(), 1, 'the target\'s one session')
    await assertAccessible(page, 'user page')
    await page.getByRole('button', { name: 'Deactivate' }).click()
    await page.getByRole('status').filter({ hasText: 'The account is deactivated' }).waitFor()
    assert.equal((await client(server.base).get('/api/users/me/', { bearer: access })).status, 401)
    assert.equal((await client(server.base).post('/api/jwt/create/', { email: target.email, password: target.password })).status, 401)
    await page.getByLabel('User type').selectOption({ label: 'Moderator' })
    await page.getByRole('button', { name: 'Change type' }).click()
    await page.getByRole('status').filter({ hasText: 'The user type is changed.' }).waitFor()
    const row = await server.db.selectFrom('users').select(['userType', 'isActive']).where('email', '=', target.email).executeTakeFirstOrThrow()
    assert.deepEqual(row, { userType: 2, isActive: 0 })
    await page.getByRole('button', { name: 'Activate' }).click()
    await page.getByRole('status').filter({ hasText: 'The account is active.' }).waitFor()
    assert.equal((await client(server.base).post('/api/jwt/create/', { email: target.email, password: target.password })).status, 200)
  })

  it('When a session of a user is revoked from the user\'s page, then that token gets 401', async () => {
    const target = await registerAndActivate(server)
    const { access } = await login(client(server.base), target.email, target.password)
    const { page } = browser
    await page.goto(url(`/admin/users/${await userIdOf(server.db, target.email)}/`))
    await page.getByRole('button', { name: 'Revoke' }).click()
    await page.getByRole('status').filter({ hasText: 'The session is revoked.' }).waitFor()
    assert.equal((await client(server.base).get('/api/users/me/', { bearer: access })).status, 401)
  })

  it('When a failed mail is retried from the outbox page, then it is sent', async () => {
    const now = Date.now()
    await server.db.insertInto('outboxMails').values({
      recipient: 'stuck@example.com', subject: 'A mail that was given up', textBody: 'text', htmlBody: '<p>html</p>', createdAt: now,
      attempts: 20, nextAttemptAt: now, claimedUntil: null, sentAt: null, failedAt: now, lastError: 'connect ECONNREFUSED',
    }).execute()
    const { page } = browser
    await page.goto(url('/admin/outbox/'))
    const row = page.getByRole('row').filter({ hasText: 'stuck@example.com' })
    assert.ok((await row.innerText()).includes('connect ECONNREFUSED'))
    await assertAccessible(page, 'outbox')
    await screenshot(page, 'admin-outbox')
    await row.getByRole('button', { name: 'Retry' }).click()
    await page.getByRole('status').filter({ hasText: 'The mail is due again' }).waitFor()
    const mail = await server.mail.waitFor((m) => m.to === 'stuck@example.com')
    assert.equal(mail.subject, 'A mail that was given up')
  })

  it('When an admin action is posted by another site\'s page with the admin\'s cookies, then 403 and nothing changes', async () => {
    const university = await registerUniversity(server)
    const evil = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html')
      response.end(`<!doctype html><title>Win a prize</title><form method="post" action="${server.base}/admin/universities/${university.id}/approve/">
        <input type="hidden" name="_csrf" value="guessed"><button>Claim</button></form>`)
    })
    await new Promise<void>((resolve) => evil.listen(0, 'localhost', resolve))
    const evilOrigin = `http://localhost:${(evil.address() as AddressInfo).port}`
    const attacked = await openBrowser(server.base, { alsoAllow: evilOrigin })
    try {
      await signIn(attacked.page, server.base, root.email, STAFF_PASSWORD)
      await attacked.page.goto(`${evilOrigin}/`)
      const answer = attacked.page.waitForResponse((r) => r.url().endsWith(`/admin/universities/${university.id}/approve/`))
      await attacked.page.getByRole('button', { name: 'Claim' }).click()
      const res = await answer
      assert.equal(res.status(), 403)
      assert.match(await res.text(), /CSRF Failed: Origin checking failed - http:\/\/localhost:\d+ does not match any trusted origins\./)
      const row = await server.db.selectFrom('universities').select('isApproved').where('id', '=', university.id).executeTakeFirstOrThrow()
      assert.equal(row.isApproved, 0)
    } finally {
      await attacked.close()
      evil.close()
    }
  })

  it('When the sign-in is older than ADMIN_REAUTH_SECONDS, then /admin/ asks for a new sign-in and then returns; /account/ does not', async () => {
    const { page } = browser
    const sessions = async () => (await (await browser.context.request.get(url('/api/sessions/'))).json() as { id: string; current: boolean }[])
    const before = await sessions()
    clock.advance((server.config.adminReauthSeconds + 1) * 1000)
    await page.goto(url('/admin/users/'))
    assert.equal(new URL(page.url()).pathname, '/login/')
    assert.equal(new URL(page.url()).searchParams.get('next'), '/admin/users/')
    await page.getByRole('status').filter({ hasText: 'The admin console needs a recent sign-in.' }).waitFor()
    await assertAccessible(page, 'login for re-authentication')
    await page.goto(url('/account/'))
    assert.equal(new URL(page.url()).pathname, '/account/')
    await signIn(page, server.base, root.email, STAFF_PASSWORD, '/login/?next=%2Fadmin%2Fusers%2F&reauth=1')
    assert.equal(new URL(page.url()).pathname, '/admin/users/')
    // This browser's old session was replaced by the new sign-in, not left behind.
    const after = await sessions()
    assert.equal(after.length, before.length)
    assert.ok(!after.some((s) => s.id === before.find((b) => b.current)?.id))
  })

  it('When a student or an anonymous visitor opens /admin/, then 403 page or the sign-in page; never JSON', async () => {
    const anonymous = await fetch(url('/admin/universities/'), { redirect: 'manual' })
    assert.equal(anonymous.status, 303)
    assert.equal(anonymous.headers.get('location'), '/login/?next=%2Fadmin%2Funiversities%2F')
    const student = await registerAndActivate(server)
    const other = await openBrowser(server.base)
    try {
      await signIn(other.page, server.base, student.email, student.password)
      for (const path of ['/admin/', '/admin/users/', '/admin/outbox/', '/admin/faculty/']) {
        const res = await other.page.goto(url(path))
        assert.equal(res?.status(), 403, path)
        assert.match(res?.headers()['content-type'] ?? '', /^text\/html/)
        await other.page.getByRole('alert').filter({ hasText: 'You do not have permission to perform this action.' }).waitFor()
      }
      await assertAccessible(other.page, 'refused')
      await screenshot(other.page, 'admin-refused')
      const post = await other.context.request.post(url(`/admin/users/${await userIdOf(server.db, student.email)}/type/`), {
        form: { user_type: '0' }, headers: { origin: server.base },
      })
      assert.equal(post.status(), 403)
      const row = await server.db.selectFrom('users').select('userType').where('email', '=', student.email).executeTakeFirstOrThrow()
      assert.equal(row.userType, 5)
    } finally {
      await other.close()
    }
  })
})
