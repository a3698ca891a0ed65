import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { FACULTY_SUBJECT, STAFF_PASSWORD, approvedUniversity, loginModerator, loginSiteAdmin, mailTo, newFaculty } from '../helpers/university-flows.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §14 /admin/ for university admins: their own university's faculty and departments (§8), nothing else.
const HOSTILE_NAME = '<script>alert(1)</script>'

describe('Hosted pages: /admin/ for university admins and moderators (API.md §14, §8)', () => {
  let server: TestServer
  let browser: TestBrowser
  let setup: Awaited<ReturnType<typeof approvedUniversity>>

  before(async () => {
    server = await startServer()
    setup = await approvedUniversity(server, await loginSiteAdmin(server))
    browser = await openBrowser(server.base, { width: 1440 })
    browser.page.on('dialog', (dialog) => void dialog.accept())
    await signIn(browser.page, server.base, setup.admin.email, STAFF_PASSWORD, '/login/?next=/admin/')
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  const url = (path: string) => `${server.base}${path}`

  it('When a university admin adds a department, then it is listed by the §8 service; a blank code is refused by its field', async () => {
    const { page } = browser
    const nav = page.getByRole('navigation', { name: 'Admin' })
    assert.deepEqual(await nav.getByRole('link').allInnerTexts(), ['Overview', 'Faculty', 'Departments'])
    await nav.getByRole('link', { name: 'Departments' }).click()
    await page.getByLabel('Name').fill('Computer Science')
    await page.getByRole('button', { name: 'Add department' }).click()
    assert.equal(await page.locator('#department-code-error').innerText(), 'This field may not be blank.')
    assert.equal(await page.getByLabel('Name').inputValue(), 'Computer Science')
    await page.getByLabel('Code').fill('CS')
    await page.getByRole('button', { name: 'Add department' }).click()
    await page.getByRole('status').filter({ hasText: 'The department is added.' }).waitFor()
    await assertAccessible(page, 'departments')
    const listed = await client(server.base).get(`/api/department/get/?university_id=${setup.university.id}`)
    assert.deepEqual((listed.body as { name: string; code: string }[]).map((d) => [d.name, d.code]), [['Computer Science', 'CS']])
    await page.getByRole('button', { name: 'Delete Computer Science' }).click()
    await page.getByRole('status').filter({ hasText: 'The department is deleted.' }).waitFor()
    assert.deepEqual((await client(server.base).get(`/api/department/get/?university_id=${setup.university.id}`)).body, [])
  })

  it('When a university admin adds a faculty member, then the account is made and mailed; a taken email says so; removing deletes it', async () => {
    const { page } = browser
    const faculty = newFaculty({ first_name: HOSTILE_NAME })
    await page.goto(url('/admin/faculty/'))
    await page.getByLabel('First name').fill(faculty.first_name)
    await page.getByLabel('Last name').fill(faculty.last_name)
    await page.getByLabel('Email').fill(faculty.email)
    await page.getByLabel('Username').fill(faculty.username)
    await page.getByRole('button', { name: 'Add faculty member' }).click()
    await page.getByRole('status').filter({ hasText: 'The faculty member is added' }).waitFor()
    await mailTo(server, faculty.email, FACULTY_SUBJECT)
    const row = page.getByRole('row').filter({ hasText: faculty.email })
    assert.ok((await row.innerText()).includes(HOSTILE_NAME), 'the name is shown as text')
    assert.equal(await page.locator('main script').count(), 0)
    await assertAccessible(page, 'faculty')
    await screenshot(page, 'admin-faculty')

    await page.getByLabel('First name').fill('Again')
    await page.getByLabel('Last name').fill('Again')
    await page.getByLabel('Email').fill(faculty.email)
    await page.getByLabel('Username').fill('someoneelse')
    await page.getByRole('button', { name: 'Add faculty member' }).click()
    await page.getByRole('alert').filter({ hasText: 'User with this email already exists' }).waitFor()

    await page.getByRole('button', { name: `Remove ${faculty.email}` }).click()
    await page.getByRole('status').filter({ hasText: 'The faculty member is removed.' }).waitFor()
    const left = await client(server.base).get('/api/university/faculty-list/', { bearer: setup.admin.access })
    assert.deepEqual(left.body, [])
  })

  it('When a university admin opens the site admin\'s pages, then 403', async () => {
    for (const path of ['/admin/users/', '/admin/universities/', '/admin/outbox/']) {
      const res = await browser.page.goto(url(path))
      assert.equal(res?.status(), 403, path)
    }
  })

  it('When a moderator opens /admin/, then only the faculty is theirs: departments are refused', async () => {
    const moderator = await loginModerator(server, setup.university.id)
    const other = await openBrowser(server.base, { width: 360, height: 780 })
    try {
      const registered = await server.db.selectFrom('users').select('email').where('id', '=', moderator.id).executeTakeFirstOrThrow()
      await other.context.clearCookies()
      await signIn(other.page, server.base, registered.email, 'myTestPass123.', '/login/?next=/admin/faculty/')
      assert.equal(new URL(other.page.url()).pathname, '/admin/faculty/')
      await assertAccessible(other.page, 'faculty at 360px')
      await screenshot(other.page, 'admin-faculty-360')
      const overflow = await other.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`)
      assert.equal((await other.page.goto(url('/admin/departments/')))?.status(), 403)
    } finally {
      await other.close()
    }
  })
})
