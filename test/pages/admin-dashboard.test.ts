import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { createTestClock } from '../helpers/clock.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { STAFF_PASSWORD, loginSiteAdmin, registerUniversity } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §14's dashboard on /admin/: counts (users by type, universities waiting, failed mails) and sign-ins and
// failed sign-ins per hour for the last day as an SVG drawn on the server, its numbers also as a table. The service's
// clock is the test's: sign-ins two hours apart land in two hours of the chart without waiting.
const clock = createTestClock()
const HOUR = 3_600_000
const TYPE_NAMES = ['Site admin', 'University admin', 'Moderator', 'Faculty', 'Representative', 'Student']
const hourLabel = (ms: number) => `${new Date(ms).toISOString().slice(11, 13)}:00`

describe('Hosted pages: the /admin/ dashboard (API.md §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let root: Staff
  const earlier = clock.now()

  before(async () => {
    server = await startServer({}, { clock: clock.now })
    root = await loginSiteAdmin(server)
    const api = client(server.base)
    const student = await registerAndActivate(server)
    await registerAndActivate(server)
    await registerUniversity(server)
    // Two hours ago: one sign-in and two wrong passwords; now: two sign-ins and one wrong password (plus the admin's).
    await login(api, student.email, student.password)
    for (let i = 0; i < 2; i++) assert.equal((await api.post('/api/jwt/create/', { email: student.email, password: 'wrong-password-1' })).status, 401)
    clock.advance(2 * HOUR)
    await login(api, student.email, student.password)
    await login(api, student.email, student.password)
    assert.equal((await api.post('/api/jwt/create/', { email: 'nobody@example.com', password: 'wrong-password-1' })).status, 401)
    const now = Date.now()
    await server.db.insertInto('outboxMails').values({
      recipient: 'stuck@example.com', subject: 'Given up', textBody: 'text', htmlBody: '<p>html</p>', createdAt: now,
      attempts: 20, nextAttemptAt: now, claimedUntil: null, sentAt: null, failedAt: now, lastError: 'connect ECONNREFUSED',
    }).execute()
    browser = await openBrowser(server.base, { width: 1440 })
    await signIn(browser.page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/')
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  /** The numbers of a count tile, by the words under it. */
  const countOf = async (words: string) => {
    const tile = browser.page.locator('.count').filter({ has: browser.page.getByText(words, { exact: true }) })
    return Number(await tile.locator('strong').innerText())
  }

  it('When a site admin opens /admin/, then it counts users by type, universities waiting and failed mails as the tables hold them', async () => {
    const { page } = browser
    assert.equal(new URL(page.url()).pathname, '/admin/')
    const users = await server.db.selectFrom('users').select(['userType', 'isActive']).execute()
    assert.equal(await countOf('users in all'), users.length)
    assert.equal(await countOf('inactive users'), users.filter((u) => u.isActive === 0).length)
    for (const [type, name] of TYPE_NAMES.entries()) assert.equal(await countOf(name), users.filter((u) => u.userType === type).length, name)
    assert.equal(await countOf('Site admin'), 1)
    assert.equal(await countOf('universities waiting for approval'), 1)
    assert.equal(await countOf('failed mails'), 1)
    const tile = page.locator('.count a').filter({ hasText: 'Student' })
    assert.equal(await tile.getAttribute('href'), '/admin/users/?type=5')
  })

  it('When the last day had sign-ins, then the chart is an accessible server-drawn SVG and its table has every hour\'s numbers', async () => {
    const { page } = browser
    const chart = page.getByRole('img', { name: 'Sign-ins and failed sign-ins per hour, last 24 hours' })
    await chart.waitFor()
    // The counts straight from the audit log, hour by hour (epoch hours, UTC).
    const events = await server.db.selectFrom('auditEvents').select(['type', 'at']).where('type', 'in', ['login.succeeded', 'login.failed']).execute()
    const current = Math.floor(clock.now() / HOUR)
    const expected = Array.from({ length: 24 }, (_, i) => {
      const hour = current - 23 + i
      const inHour = events.filter((e) => Math.floor(e.at / HOUR) === hour)
      return [hourLabel(hour * HOUR), String(inHour.filter((e) => e.type === 'login.succeeded').length),
        String(inHour.filter((e) => e.type === 'login.failed').length)]
    })
    await page.getByText('Sign-ins per hour as a table').click()
    const table = page.getByRole('table', { name: /Sign-ins and failed sign-ins per hour/ })
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim() ?? '')))
    assert.deepEqual(rows, expected)
    // What this test did: 1 sign-in and 2 failures two hours ago; now 2 + the admin's browser and the API login, 1 failure.
    assert.deepEqual(rows.at(-3), [hourLabel(earlier), '2', '2'], 'the root admin\'s API login and the student\'s, two hours ago')
    assert.deepEqual(rows.at(-1), [hourLabel(clock.now()), '3', '1'])
    assert.equal(await chart.locator('rect.chart-bar.failed').count(), 2)
    assert.equal(await chart.locator('rect.chart-bar.succeeded').count(), 2)
    assert.match(await chart.locator('desc').textContent() ?? '', /^5 sign-ins and 3 failed sign-ins in the last 24 hours\./)
    // CSP style-src 'self': no style attribute anywhere, and the browser reported no violation.
    assert.equal(await page.locator('[style]').count(), 0)
    assert.deepEqual(browser.consoleErrors, [])
    assert.deepEqual(browser.elsewhere, [])
  })

  it('When the dashboard is seen at 1440 px and 360 px, light and dark, then axe finds nothing and the screenshots are taken', async () => {
    const { page } = browser
    await assertAccessible(page, 'dashboard 1440 light')
    await screenshot(page, 'admin-dashboard-1440')
    await page.emulateMedia({ colorScheme: 'dark' })
    await assertAccessible(page, 'dashboard 1440 dark')
    await screenshot(page, 'admin-dashboard-1440-dark')
    await page.setViewportSize({ width: 360, height: 800 })
    await assertAccessible(page, 'dashboard 360 dark')
    await screenshot(page, 'admin-dashboard-360-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await assertAccessible(page, 'dashboard 360 light')
    await screenshot(page, 'admin-dashboard-360')
    // Nothing wider than the screen but the chart's scaled SVG, which fits.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth)
    assert.ok(overflow <= 360, `page width ${overflow}`)
  })
})
