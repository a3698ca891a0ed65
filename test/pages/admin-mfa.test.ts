import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { createTestClock } from '../helpers/clock.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { SECURITY_SUBJECT, STEP_MS, codeAt, enrolTotp, midStep } from '../helpers/mfa.ts'
import { userIdOf } from '../helpers/universities.ts'
import { STAFF_PASSWORD, loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §12 and §14 on /admin/: where MFA_REQUIRED_USER_TYPES names site admins, the console needs their second
// factor; a site admin's `Reset two-factor` on a user's page is the reset of POST /api/admin/users/{id}/reset-mfa/.
// The service's clock is the test's, so TOTP codes are known.
const clock = createTestClock(midStep())
const SETUP_REQUIRED = 'Two-factor authentication must be set up for this account.'

describe('Hosted pages: /admin/ and second factors (API.md §12, §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let root: Staff
  /** The admin's TOTP secret, once the first test has enrolled them. */
  let rootSecret = ''

  before(async () => {
    server = await startServer({ MFA_REQUIRED_USER_TYPES: '0' }, { clock: clock.now })
    root = await loginSiteAdmin(server)
    browser = await openBrowser(server.base, { width: 1440 })
    browser.page.on('dialog', (dialog) => void dialog.accept())
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const url = (path: string) => `${server.base}${path}`

  it('When MFA_REQUIRED_USER_TYPES names site admins and one has no second factor, then /admin/ tells them to set one up and shows no admin data', async () => {
    const student = await registerAndActivate(server, { last_name: 'Privately' })
    const { page } = browser
    await signIn(page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/')
    const studentId = await userIdOf(server.db, student.email)
    for (const path of ['/admin/', '/admin/users/', `/admin/users/${studentId}/`, '/admin/outbox/', '/admin/webhooks/', '/admin/audit/']) {
      const res = await page.goto(url(path))
      assert.equal(res?.status(), 403, path)
      assert.match(res?.headers()['content-type'] ?? '', /^text\/html/)
      await page.getByRole('alert').filter({ hasText: SETUP_REQUIRED }).waitFor()
      const text = await page.locator('main').innerText()
      assert.ok(!text.includes(student.email) && !text.includes('Privately'), `${path} shows no user`)
      assert.equal(await page.getByRole('navigation', { name: 'Admin' }).count(), 0, path)
    }
    await assertAccessible(page, 'second factor required')
    await screenshot(page, 'admin-mfa-required')
    // An action is refused the same way, and changes nothing.
    const post = await browser.context.request.post(url(`/admin/users/${studentId}/deactivate/`), { form: {}, headers: { origin: server.base } })
    assert.equal(post.status(), 403)
    const row = await server.db.selectFrom('users').select('isActive').where('id', '=', studentId).executeTakeFirstOrThrow()
    assert.equal(row.isActive, 1)

    // Enrolled (through the API's §12 routes), the admin signs in with the code and the console opens.
    const api = client(server.base)
    const { access } = await login(api, root.email, STAFF_PASSWORD)
    const setup = await api.post('/api/mfa/totp/setup/', { current_password: STAFF_PASSWORD }, { bearer: access })
    const { secret } = setup.body as { secret: string }
    assert.equal((await api.post('/api/mfa/totp/confirm/', { code: codeAt(secret, clock.now()) }, { bearer: access })).status, 200)
    rootSecret = secret
    clock.advance(STEP_MS)
    await signIn(page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/')
    await page.getByLabel('Code').fill(codeAt(secret, clock.now()))
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL((u) => u.pathname === '/admin/')
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Users' }).waitFor()
  })

  it('When a site admin resets a user\'s second factor on the user\'s page, then factors and sessions go, a mail, the admin as actor', async () => {
    assert.notEqual(rootSecret, '', 'the admin enrolled in the test before')
    const api = client(server.base)
    const target = await enrolTotp(server, api, clock.now)
    const targetId = await userIdOf(server.db, target.email)
    const { page } = browser
    await page.goto(url(`/admin/users/${targetId}/`))
    const card = page.getByRole('region', { name: 'Two-factor authentication' })
    await card.getByText('This user signs in with a second factor.').waitFor()
    await assertAccessible(page, 'user page with a second factor')
    await screenshot(page, 'admin-user-mfa')
    await card.getByRole('button', { name: 'Reset two-factor' }).click()
    await page.getByRole('status').filter({ hasText: 'Two-factor authentication is reset' }).waitFor()
    await card.getByText('This user has no second factor.').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Reset two-factor' }).count(), 0, 'shown only to a user with a factor')

    assert.equal((await api.get('/api/users/me/', { bearer: target.access })).status, 401, 'the user\'s sessions ended')
    const fresh = await login(api, target.email, target.password)
    const status = await api.get('/api/mfa/', { bearer: fresh.access })
    assert.deepEqual(status.body, { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
    const mail = await server.mail.waitFor((m) => m.to === target.email && m.subject === SECURITY_SUBJECT && /reset|removed/i.test(m.text))
    assert.ok(mail)
    const events = await server.db.selectFrom('auditEvents').selectAll().where('type', '=', 'mfa.disabled').where('userId', '=', targetId).execute()
    assert.equal(events.length, 1)
    assert.equal(events[0]?.actorId, root.id)
    assert.deepEqual(JSON.parse(events[0]?.data ?? '{}'), { method: 'all', via: 'admin_reset' })
  })

  it('When a reset is posted for a user without a second factor (an old page), then the page says so and nothing ends', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    const id = await userIdOf(server.db, user.email)
    const { page } = browser
    await page.goto(url(`/admin/users/${id}/`))
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue()
    const res = await browser.context.request.post(url(`/admin/users/${id}/reset-mfa/`), { form: { _csrf: csrf }, headers: { origin: server.base } })
    assert.equal(res.status(), 400)
    assert.match(await res.text(), /This user has no second factor to reset\./)
    assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 200)
  })
})
