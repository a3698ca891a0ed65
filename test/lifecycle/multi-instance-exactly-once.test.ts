import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { client } from '../helpers/http.ts'
import { login, newUser } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { startInstances, within } from '../helpers/instances.ts'
import type { Instance } from '../helpers/instances.ts'

// API.md §16 beyond the cache: rate limits count across instances, a rotated refresh token replayed anywhere is a
// reuse, and a mail is sent once whichever instance queued it, with every instance's outbox sender on the one table.
// Three real server processes on one PostgreSQL; the limits on, the clients told apart by X-Forwarded-For.
describe('Three instances on one PostgreSQL behave as one service: limits, rotation, mail', () => {
  let cluster: Awaited<ReturnType<typeof startInstances>>
  let instances: Instance[]
  before(async () => {
    cluster = await startInstances(3, {
      RATE_LIMIT: 'on', TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_LOGIN_IP: '5/3600',
      // Any second use of a retired refresh token is a reuse: no retry interval to wait out.
      REFRESH_TOKEN_REUSE_INTERVAL: '0',
    })
    instances = cluster.instances
  })
  after(async () => { await cluster.close() })

  const at = (i: number) => instances[i % instances.length] as Instance
  let nextIp = 1
  /** Registered through one instance and activated through the next, each request from a client address of its own. */
  async function signedUp(i: number) {
    const headers = { 'x-forwarded-for': `10.9.${nextIp++}.1` }
    const body = newUser()
    const email = String(body.email).toLowerCase()
    assert.equal((await client(at(i).base).post('/api/users/', body, { headers })).status, 201)
    const mail = await cluster.mail.waitFor((m) => m.to === email && m.subject.startsWith('Account activation'))
    assert.equal((await client(at(i + 1).base).post('/api/users/activation/', linkParts(mail, 'nl/activation'), { headers })).status, 204)
    return { email, password: String(body.password) }
  }

  it('When one client spreads its login attempts over the instances, then the limit counts them all', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      const body = { email: `nobody${i}@example.com`, password: 'x' }
      const res = await client(at(i).base).post('/api/jwt/create/', body, { headers: { 'x-forwarded-for': '10.8.8.8' } })
      statuses.push(res.status)
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429])
  })

  it('When a rotated refresh token is replayed on another instance, then reuse is detected and the session dies on every instance', async () => {
    const user = await signedUp(0)
    const first = await login(client(at(0).base), user.email, user.password)
    const rotated = await client(at(1).base).post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.equal(rotated.status, 200)
    const { access, refresh: newest } = rotated.body as { access: string; refresh: string }
    for (const instance of instances) assert.equal((await client(instance.base).get('/api/users/me/', { bearer: access })).status, 200)
    const replay = await client(at(2).base).post('/api/jwt/refresh/', { refresh: first.refresh })
    assert.deepEqual([replay.status, replay.body], [401, { detail: 'Token is blacklisted', code: 'token_not_valid' }])
    assert.equal((await client(at(0).base).post('/api/jwt/refresh/', { refresh: newest })).status, 401)
    await within(1000, 'every instance refuses the access token of the reused session', async () => {
      const answers = await Promise.all(instances.map(async (instance) => (await client(instance.base).get('/api/users/me/', { bearer: access })).status))
      return answers.every((s) => s === 401)
    })
  })

  it('When the same refresh token is presented to every instance at once, then exactly one refresh succeeds', async () => {
    const user = await signedUp(1)
    const { refresh } = await login(client(at(1).base), user.email, user.password)
    const answers = await Promise.all(instances.map((instance) => client(instance.base).post('/api/jwt/refresh/', { refresh })))
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401])
  })

  it('When mail is queued through every instance, then each message arrives exactly once', async () => {
    const emails: string[] = []
    for (let i = 0; i < 6; i++) emails.push((await signedUp(i)).email)
    // Every queued mail sent (the senders of all three instances poll the same outbox), then none arrives twice.
    await within(20_000, 'the outbox is empty', async () => {
      const [row] = await cluster.sql('SELECT count(*)::int AS n FROM outbox_mails WHERE sent_at IS NULL')
      return row?.n === 0
    })
    const [sent] = await cluster.sql('SELECT count(*)::int AS n FROM outbox_mails')
    assert.equal(cluster.mail.mails.length, sent?.n)
    for (const email of emails) {
      const subjects = cluster.mail.mails.filter((m) => m.to === email).map((m) => m.subject)
      assert.equal(subjects.length, 1, `${email}: ${subjects.join(', ')}`)
      assert.match(subjects[0] ?? '', /^Account activation/)
    }
  })
})
