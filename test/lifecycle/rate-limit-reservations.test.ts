import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Reply } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'
import { createTestClock } from '../helpers/clock.ts'

// The default rules (RATE_LIMIT_LOGIN_ACCOUNT_IP=5/900: one attempt back every 180 s), counted in the database (SQLite,
// or PostgreSQL with TEST_DATABASE_URL) and in Redis when REDIS_URL_FOR_TESTS names one.
const redisUrl = process.env.REDIS_URL_FOR_TESTS
const backends: [string, Record<string, string>][] = [['the database', {}]]
if (redisUrl) backends.push(['Redis', { REDIS_URL: redisUrl }])

const WINDOW_MS = 900_000
const REFILL_SECONDS = 180

function assertThrottled(res: Reply, seconds: number) {
  assert.equal(res.status, 429)
  assert.equal(res.headers.get('retry-after'), String(seconds))
  assert.deepEqual(res.body, { detail: `Request was throttled. Expected available in ${seconds} seconds.` })
}

const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })

for (const [backend, env] of backends) {
  describe(`Rate limits count each attempt before it is answered (API.md §11), counters in ${backend}`, () => {
    const clock = createTestClock()
    let server: TestServer
    before(async () => {
      server = await startServer(
        { RATE_LIMIT: 'on', TRUSTED_PROXIES: '127.0.0.1', REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:`, ...env },
        { clock: clock.now },
      )
    })
    after(async () => { await server.close() })

    // @see issue 12, item 2: all 25 were checked (25 × 401), because the failure was counted after the answer.
    it('When 25 wrong-password logins for one account arrive at once, then only LOGIN_ACCOUNT_IP of them are checked', async () => {
      const api = client(server.base)
      const user = await registerAndActivate(server)
      const results = await Promise.all(Array.from({ length: 25 }, () =>
        api.post('/api/jwt/create/', { email: user.email, password: 'wrong-guess' }, from('10.20.0.1'))))
      const checked = results.filter((r) => r.status === 401)
      assert.equal(checked.length, 5)
      for (const res of checked) assert.deepEqual(res.body, { detail: 'No active account found with the given credentials' })
      const refused = results.filter((r) => r.status !== 401)
      assert.equal(refused.length, 20)
      for (const res of refused) assertThrottled(res, REFILL_SECONDS)
      // The right password is refused too from that IP: the guesses used up the allowance, not the password check.
      assertThrottled(await api.post('/api/jwt/create/', { email: user.email, password: user.password }, from('10.20.0.1')), REFILL_SECONDS)
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password }, from('10.20.0.2'))).status, 200)
    })

    // @see issue 12, item 2: with fixed windows, 5 guesses just before a window's edge and 5 just after all got checked.
    it('When guesses come just before and just after a 15-minute window edge, then no more than the limit get through', async () => {
      const api = client(server.base)
      const user = await registerAndActivate(server)
      const guess = () => api.post('/api/jwt/create/', { email: user.email, password: 'wrong-guess' }, from('10.20.1.1'))
      clock.set(Math.ceil(Date.now() / WINDOW_MS) * WINDOW_MS + WINDOW_MS - 1000)
      const before = []
      for (let i = 0; i < 5; i++) before.push((await guess()).status)
      assert.deepEqual(before, [401, 401, 401, 401, 401])
      clock.advance(2000)
      for (let i = 0; i < 5; i++) assertThrottled(await guess(), REFILL_SECONDS - 2)
      // The window slides: one attempt comes back per 180 s, never a whole allowance at once.
      clock.advance((REFILL_SECONDS - 2) * 1000)
      assert.equal((await guess()).status, 401)
      assertThrottled(await guess(), REFILL_SECONDS)
    })

    it('When the owner logs in successfully, then that attempt is given back (only failures count against an account)', async () => {
      const api = client(server.base)
      const user = await registerAndActivate(server)
      const attempt = (password: string) => api.post('/api/jwt/create/', { email: user.email, password }, from('10.20.2.1'))
      for (let i = 0; i < 4; i++) assert.equal((await attempt('wrong-guess')).status, 401)
      assert.equal((await attempt(user.password)).status, 200)
      assert.equal((await attempt(user.password)).status, 200)
      assert.equal((await attempt('wrong-guess')).status, 401)
      assertThrottled(await attempt(user.password), REFILL_SECONDS)
    })

    // @see issue 12, item 1: 30 requests for one address sent 30 mails.
    it('When 30 email resets for one address arrive at once, then RESET_EMAIL_ACCOUNT mails are queued and the rest get 429', async () => {
      const api = client(server.base)
      const user = await registerAndActivate(server)
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        api.post('/api/users/reset_email/', { email: user.email }, from(`10.20.3.${i}`))))
      assert.equal(results.filter((r) => r.status === 204).length, 3)
      const refused = results.filter((r) => r.status !== 204)
      assert.equal(refused.length, 27)
      for (const res of refused) assertThrottled(res, 1200)
      // Reset mail is queued after the 204 (deferred-work.ts): poll with a deadline until the three have arrived. Only
      // three requests were let through, so a fourth could only come from a limit that let more pass: count them all.
      const resetMails = () => server.db.selectFrom('outboxMails').select('id')
        .where('recipient', '=', user.email).where('subject', 'not like', 'Account activation%').execute()
      const deadline = Date.now() + 10_000
      let mails = await resetMails()
      while (mails.length < 3 && Date.now() < deadline) mails = await resetMails()
      assert.equal(mails.length, 3)
    })

    it('When one IP asks for email resets of many addresses, then it is stopped at RESET_EMAIL_IP', async () => {
      const api = client(server.base)
      const statuses: number[] = []
      for (let i = 0; i < 11; i++) statuses.push((await api.post('/api/users/reset_email/', { email: `someone${i}@example.com` }, from('10.20.4.1'))).status)
      assert.deepEqual(statuses, [...Array<number>(10).fill(204), 429])
    })

    it('When one address is registered again and again from many IPs, then it is stopped at REGISTER_ACCOUNT', async () => {
      const api = client(server.base)
      const body = newUser()
      const statuses: number[] = []
      for (let i = 0; i < 11; i++) statuses.push((await api.post('/api/users/', body, from(`10.20.7.${i}`))).status)
      assert.deepEqual(statuses, [201, ...Array<number>(9).fill(400), 429])
    })

    it('When email-reset links of one account are guessed at, then it is stopped at RESET_EMAIL_CONFIRM_ACCOUNT, '
      + 'and one IP at RESET_EMAIL_CONFIRM_IP', async () => {
      const api = client(server.base)
      const body = (uid: string) => ({ uid, token: 'bad-token', new_email: 'new.address@example.com' })
      const perAccount: number[] = []
      for (let i = 0; i < 11; i++) perAccount.push((await api.post('/api/users/reset_email_confirm/', body('MQ'), from(`10.20.5.${i}`))).status)
      assert.deepEqual(perAccount, [...Array<number>(10).fill(400), 429])
      const perIp: number[] = []
      for (let i = 0; i < 31; i++) perIp.push((await api.post('/api/users/reset_email_confirm/', body(`u${i}`), from('10.20.6.1'))).status)
      assert.deepEqual(perIp, [...Array<number>(30).fill(400), 429])
    })
  })
}
