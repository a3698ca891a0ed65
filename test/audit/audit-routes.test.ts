import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin, registerUniversity } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { userIdOf } from '../helpers/universities.ts'

type EventJson = { id: string; at: string; type: string; actor_id: number | null; user_id: number | null; ip: string | null; data: Record<string, unknown> }
type PageJson = { results: EventJson[]; next: string | null }

const DATETIME = 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'

describe('GET /api/audit/, GET /api/users/me/activity/', () => {
  let server: TestServer
  let api: Client
  let admin: Staff
  before(async () => {
    server = await startServer()
    api = client(server.base)
    admin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const failLogins = async (email: string, count: number) => {
    for (let i = 0; i < count; i += 1) assert.equal((await api.post('/api/jwt/create/', { email, password: `Wrong-${i}-password` })).status, 401)
  }
  const page = async (path: string, access = admin.access) => {
    const res = await api.get(path, { bearer: access })
    assert.equal(res.status, 200, res.text)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    return res.body as PageJson
  }
  const pathOf = (url: string) => url.slice(server.base.length)

  it('When anonymous or not a site admin, then the audit log answers 401 or 403', async () => {
    const student = await registerAndActivate(server)
    const { access } = await login(api, student.email, student.password)
    const anonymous = await api.get('/api/audit/')
    assert.deepEqual([anonymous.status, anonymous.body], [401, { detail: 'Authentication credentials were not provided.' }])
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="api"')
    const forbidden = await api.get('/api/audit/', { bearer: access })
    assert.deepEqual([forbidden.status, forbidden.body], [403, { detail: 'You do not have permission to perform this action.' }])
    assert.equal((await api.get('/api/users/me/activity/')).status, 401)
  })

  it('When events are filtered by user, type and time, then only those are listed, newest first, in the §13 shape', async () => {
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    await failLogins(user.email, 2)
    await login(api, user.email, user.password)
    const mine = await page(`/api/audit/?user_id=${id}`)
    assert.deepEqual(mine.results.map((e) => e.type), ['login.succeeded', 'login.failed', 'login.failed', 'user.activated', 'user.registered'])
    assert.equal(mine.next, null)
    const [newest] = mine.results
    assert.deepEqual(Object.keys(newest ?? {}), ['id', 'at', 'type', 'actor_id', 'user_id', 'university_id', 'ip', 'user_agent', 'session_id', 'data'])
    assert.equal(newest?.ip, '127.0.0.1')
    assert.match(newest?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)

    const typed = await page(`/api/audit/?user_id=${id}&type=user.registered&type=user.activated`)
    assert.deepEqual(typed.results.map((e) => e.type), ['user.activated', 'user.registered'])
    const registeredAt = mine.results.at(-1)?.at ?? ''
    const activatedAt = mine.results.at(-2)?.at ?? ''
    const window = await page(`/api/audit/?user_id=${id}&since=${encodeURIComponent(registeredAt)}&until=${encodeURIComponent(activatedAt)}`)
    assert.deepEqual(window.results.map((e) => e.type).sort(), ['user.activated', 'user.registered'])
    const none = await page(`/api/audit/?user_id=${id}&since=2999-01-01T00:00`)
    assert.deepEqual(none, { results: [], next: null })
    assert.deepEqual(await page('/api/audit/?user_id=99999999999'), { results: [], next: null })
    assert.deepEqual(await page('/api/audit/?user_id=-1'), { results: [], next: null })
  })

  it('When events are added while a client pages, then the cursor pages neither repeat nor skip an event', async () => {
    const email = 'pager@example.com'
    await failLogins(email, 120)
    const filter = `type=login.failed&user_id=`
    const first = await page(`/api/audit/?${filter}`)
    assert.equal(first.results.length, 50)
    assert.ok(first.next?.startsWith(`${server.base}/api/audit/?`), first.next ?? '')
    assert.match(first.next ?? '', /type=login\.failed/)
    // Newer events arrive between the pages: they are before the cursor, so the next pages do not shift.
    await failLogins(email, 7)
    const second = await page(pathOf(first.next ?? ''))
    const third = await page(pathOf(second.next ?? ''))
    const seen = [...first.results, ...second.results, ...third.results].filter((e) => e.data.email === email)
    assert.equal(seen.length, 120)
    assert.equal(new Set(seen.map((e) => e.id)).size, 120)
    const ids = [...first.results, ...second.results, ...third.results].map((e) => e.id)
    assert.deepEqual(ids, [...ids].sort().reverse())
    const again = await page('/api/audit/?type=login.failed')
    assert.equal(again.results.filter((e) => !first.results.some((f) => f.id === e.id)).length, 7)
  })

  it('When a filter or the cursor is malformed, then the answer is 400 naming each bad field, never a 500', async () => {
    const cases: [string, Record<string, string[]>][] = [
      ['user_id=abc', { user_id: ['A valid integer is required.'] }],
      ['since=yesterday', { since: [DATETIME] }],
      ['until=2026-02-30T10:00:00Z', { until: [DATETIME] }],
      ['type=user.exploded', { type: ['Select a valid choice. user.exploded is not one of the available choices.'] }],
      ['cursor=forged', { cursor: ['Invalid cursor.'] }],
      [`cursor=${Buffer.from('[1,"x"]').toString('base64url')}`, { cursor: ['Invalid cursor.'] }],
      ['user_id=1.5', { user_id: ['A valid integer is required.'] }],
      ['cursor=%00', { cursor: ['Null characters are not allowed.'] }],
      ['user_id=x1&since=nope&type=a&type=login.failed&cursor=AAAA', {
        user_id: ['A valid integer is required.'], type: ['Select a valid choice. a is not one of the available choices.'],
        since: [DATETIME], cursor: ['Invalid cursor.'],
      }],
    ]
    for (const [query, errors] of cases) {
      const res = await api.get(`/api/audit/?${query}`, { bearer: admin.access })
      assert.deepEqual([res.status, res.body], [400, errors], query)
    }
    const activity = await api.get('/api/users/me/activity/?since=yesterday', { bearer: admin.access })
    assert.deepEqual([activity.status, activity.body], [400, { since: [DATETIME] }])
  })

  it('When a user reads their activity, then only their own events are listed, and others\' actions without actor or data', async () => {
    const university = await registerUniversity(server)
    assert.equal((await api.post('/api/university/approve/', { university_id: university.id }, { bearer: admin.access })).status, 200)
    const mail = await server.mail.waitFor((m) => m.to === university.adminEmail && m.subject === 'University Approval Status Change')
    const link = /nl\/password-reset\/([^/\s]+)\/([^/\s]+)/.exec(mail.text)
    const password = 'Quiet-Harbour-42'
    assert.equal((await api.post('/api/users/reset_password_confirm/', {
      uid: link?.[1], token: link?.[2], new_password: password, re_new_password: password,
    })).status, 204)
    const { access } = await login(api, university.adminEmail, password)
    const other = await registerAndActivate(server)
    await failLogins(other.email, 1)

    const own = await page('/api/users/me/activity/?user_id=1', access)
    assert.deepEqual(own.results.map((e) => e.type), ['login.succeeded', 'password.reset', 'university.approved', 'user.registered', 'university.created'])
    assert.ok(own.results.every((e) => e.user_id === university.adminId))
    const approved = own.results.find((e) => e.type === 'university.approved')
    assert.deepEqual([approved?.actor_id, approved?.data, approved?.ip], [null, {}, null])
    const succeeded = own.results[0]
    assert.equal(succeeded?.actor_id, university.adminId)
    assert.deepEqual(succeeded?.data, { method: 'password', amr: ['pwd'] })
    const typed = await page('/api/users/me/activity/?type=password.reset', access)
    assert.deepEqual(typed.results.map((e) => e.type), ['password.reset'])
  })
})
