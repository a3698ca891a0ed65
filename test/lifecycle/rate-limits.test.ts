import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Reply } from '../helpers/http.ts'
import { newUser, registerAndActivate } from '../helpers/flows.ts'

const LIMITS = {
  RATE_LIMIT: 'on',
  TRUSTED_PROXIES: '127.0.0.1',
  RATE_LIMIT_LOGIN_IP: '4/3600',
  RATE_LIMIT_LOGIN_ACCOUNT_IP: '2/3600',
  RATE_LIMIT_LOGIN_ACCOUNT: '3/3600',
  RATE_LIMIT_REGISTER_IP: '6/3600',
  RATE_LIMIT_RESET_PASSWORD_ACCOUNT: '2/3600',
  RATE_LIMIT_SET_PASSWORD_ACCOUNT: '1/3600',
}

function assertThrottled(res: Reply, windowSeconds: number) {
  assert.equal(res.status, 429)
  const retryAfter = Number(res.headers.get('retry-after'))
  assert.ok(retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`)
  assert.deepEqual(res.body, { detail: `Request was throttled. Expected available in ${retryAfter} seconds.` })
}

/** A client behind the trusted proxy 127.0.0.1, seen as `ip`. */
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } })

describe('Rate limits (API.md §11)', () => {
  let server: TestServer
  before(async () => { server = await startServer(LIMITS) })
  after(async () => { await server.close() })

  it('When one IP makes too many login attempts, then 429 with Retry-After, and other IPs are unaffected', async () => {
    const api = client(server.base)
    for (let i = 0; i < 4; i++) {
      assert.equal((await api.post('/api/jwt/create/', { email: `nobody${i}@example.com`, password: 'x' }, from('10.0.0.1'))).status, 401)
    }
    assertThrottled(await api.post('/api/jwt/create/', { email: 'nobody9@example.com', password: 'x' }, from('10.0.0.1')), 3600)
    assert.equal((await api.post('/api/jwt/create/', { email: 'nobody9@example.com', password: 'x' }, from('10.0.0.2'))).status, 401)
  })

  it('When an account is guessed at from one IP, then that IP is slowed while the owner logs in from theirs', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    for (let i = 0; i < 2; i++) {
      assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: 'wrong' }, from('10.0.1.1'))).status, 401)
    }
    assertThrottled(await api.post('/api/jwt/create/', { email: user.email, password: user.password }, from('10.0.1.1')), 3600)
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password }, from('10.0.1.2'))).status, 200)
  })

  it('When an account is guessed at from many IPs, then it is slowed for the window, existing or not alike', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const ghost = 'ghost.account@example.com'
    const results: Record<string, number[]> = {}
    for (const email of [user.email, ghost]) {
      results[email] = []
      for (let i = 0; i < 4; i++) {
        const res = await api.post('/api/jwt/create/', { email, password: 'wrong' }, from(`10.0.2.${i + 10}`))
        results[email]?.push(res.status)
      }
    }
    // Same answers for the real and the unknown account: a 429 does not reveal that an account exists.
    assert.deepEqual(results[user.email], [401, 401, 401, 429])
    assert.deepEqual(results[ghost], [401, 401, 401, 429])
  })

  it('When X-Forwarded-For comes from an untrusted peer, then it is ignored', async () => {
    const other = await startServer({ ...LIMITS, TRUSTED_PROXIES: '' })
    try {
      const api = client(other.base)
      const statuses: number[] = []
      for (let i = 0; i < 5; i++) {
        statuses.push((await api.post('/api/jwt/create/', { email: `n${i}@example.com`, password: 'x' }, from(`10.9.0.${i}`))).status)
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429])
    } finally {
      await other.close()
    }
  })

  it('When one IP registers too often, then 429 and no account is created', async () => {
    const api = client(server.base)
    for (let i = 0; i < 6; i++) assert.equal((await api.post('/api/users/', newUser(), from('10.0.3.1'))).status, 201)
    const body = newUser()
    assertThrottled(await api.post('/api/users/', body, from('10.0.3.1')), 3600)
    const row = await server.db.selectFrom('users').select('id').where('email', '=', body.email).executeTakeFirst()
    assert.equal(row, undefined)
  })

  it('When password resets for one address come too often, then 429 whether or not it exists', async () => {
    const api = client(server.base)
    for (const email of ['someone.real@example.com', 'nobody.here@example.com']) {
      const statuses: number[] = []
      for (let i = 0; i < 3; i++) statuses.push((await api.post('/api/users/reset_password/', { email }, from(`10.0.4.${i}`))).status)
      assert.deepEqual(statuses, [204, 204, 429])
    }
  })

  it('When a user sets the password too often, then 429', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { access } = (await api.post('/api/jwt/create/', { email: user.email, password: user.password }, from('10.0.5.1'))).body as { access: string }
    const wrong = { current_password: 'wrong', new_password: 'an0ther-Secret!', re_new_password: 'an0ther-Secret!' }
    assert.equal((await api.post('/api/users/set_password/', wrong, { bearer: access, ...from('10.0.5.1') })).status, 400)
    assertThrottled(await api.post('/api/users/set_password/', wrong, { bearer: access, ...from('10.0.5.2') }), 3600)
  })

  it('When RATE_LIMIT=off, then nothing is throttled', async () => {
    const off = await startServer({ ...LIMITS, RATE_LIMIT: 'off' })
    try {
      const api = client(off.base)
      for (let i = 0; i < 6; i++) assert.equal((await api.post('/api/jwt/create/', { email: 'x@example.com', password: 'x' })).status, 401)
    } finally {
      await off.close()
    }
  })
})
