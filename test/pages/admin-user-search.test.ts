import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { createAccountStore } from '../../src/accounts/store.ts'

// API.md §14: the admin users page searches by email, username or name. The search is an index (migration 0010: FTS5
// trigrams on SQLite, pg_trgm on PostgreSQL) kept in step by triggers, so these check that every change shows at once.
describe('Hosted pages: the admin user search (API.md §14)', () => {
  let server: TestServer
  let root: Staff
  before(async () => {
    server = await startServer()
    root = await loginSiteAdmin(server)
  })
  after(async () => {
    await server.close()
  })

  /** The emails listed and the count the page states, for a query string. */
  async function search(query: string): Promise<{ emails: string[]; found: string; html: string }> {
    const res = await client(server.base).get(`/admin/users/?${query}`, { cookies: { access: root.access } })
    assert.equal(res.status, 200, res.text)
    const emails = [...res.text.matchAll(/<td><a href="\/admin\/users\/\d+\/">([^<]+)<\/a><\/td>/g)].map((m) => m[1] ?? '')
    return { emails, found: /<p class="muted">([^<]+) found<\/p>/.exec(res.text)?.[1] ?? '', html: res.text }
  }
  const q = (text: string) => `q=${encodeURIComponent(text)}`

  it('When searching part of an email, a username or a name in any case, then exactly the matching users are listed', async () => {
    const grace = await registerAndActivate(server, { first_name: 'Grace', last_name: 'Hopperfield' })
    const alan = await registerAndActivate(server, { first_name: 'Alan', last_name: 'Turingham' })
    assert.deepEqual((await search(q('HOPPERFIELD'))).emails, [grace.email])
    assert.deepEqual((await search(q(alan.email.slice(2, 12).toUpperCase()))).emails, [alan.email])
    assert.deepEqual((await search(q(alan.username))).emails, [alan.email])
    // First and last name together, as a person types them.
    assert.deepEqual((await search(q('grace hopper'))).emails, [grace.email])
    assert.deepEqual(await search(q('nobody-has-this')).then((r) => [r.emails, r.found]), [[], '0'])
  })

  it('When a user changes their name or deletes their account, then the search follows at once', async () => {
    const user = await registerAndActivate(server, { first_name: 'Katherine', last_name: 'Johnsonby' })
    const api = client(server.base)
    const { access } = await login(api, user.email, user.password)
    assert.equal((await api.patch('/api/users/me/', { last_name: 'Goblefield' }, { bearer: access })).status, 200)
    assert.deepEqual((await search(q('johnsonby'))).emails, [])
    assert.deepEqual((await search(q('goblefield'))).emails, [user.email])
    assert.equal((await api.delete('/api/users/me/', { current_password: user.password }, { bearer: access })).status, 204)
    assert.deepEqual((await search(q('goblefield'))).emails, [])
  })

  it('When the text holds LIKE wildcards or quotes, then they match only themselves and nothing fails', async () => {
    const percent = await registerAndActivate(server, { first_name: 'Per%cent', last_name: 'Un_der' })
    await registerAndActivate(server, { first_name: 'Perxcent', last_name: 'Unxder' })
    assert.deepEqual((await search(q('per%cent'))).emails, [percent.email])
    assert.deepEqual((await search(q('un_der'))).emails, [percent.email])
    for (const text of ['"', '"quoted"', "o'brien", 'a OR b', 'NEAR(x y)', '*', '\\']) {
      const res = await client(server.base).get(`/admin/users/?${q(text)}`, { cookies: { access: root.access } })
      assert.equal(res.status, 200, `${text}: ${res.text.slice(0, 200)}`)
    }
  })

  it('When the text is shorter than 3 characters, then the page says so and lists users unfiltered by it', async () => {
    const all = await search('')
    const short = await search(q('ad'))
    assert.match(short.html, /Type at least 3 characters to search by email, username or name/)
    assert.deepEqual([short.emails, short.found], [all.emails, all.found])
    assert.doesNotMatch(all.html, /Type at least 3 characters/)
  })

  it('When more users match than the page counts, then the store says "at least" and the page lists them all the same', async () => {
    const store = createAccountStore(server.db)
    const exact = await store.search({ text: 'example.com', limit: 2, offset: 0 })
    assert.ok(exact.total >= 4 && !exact.atLeast, JSON.stringify(exact.total))
    const capped = await store.search({ text: 'example.com', limit: 2, offset: 0, countUpTo: 3 })
    assert.deepEqual([capped.total, capped.atLeast, capped.users.length], [3, true, 2])
    const within = await store.search({ text: 'example.com', limit: 2, offset: 0, countUpTo: exact.total })
    assert.deepEqual([within.total, within.atLeast], [exact.total, false])
  })
})
