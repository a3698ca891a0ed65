import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'

const SAMPLES = 25

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

/** Interleaves the cases so machine noise falls on all of them alike; returns each case's median in ms. */
async function medians(cases: Record<string, () => Promise<number>>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
  for (let i = 0; i < SAMPLES; i++) {
    for (const [name, run] of Object.entries(cases)) {
      const start = performance.now()
      const status = await run()
      samples[name]?.push(performance.now() - start)
      assert.ok(status < 500)
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]))
}

/** Generous: the slowest median within 2× the fastest plus 5 ms — a missing hash would be ~10× apart. */
function assertAlike(result: Record<string, number>) {
  const values = Object.values(result)
  const [min, max] = [Math.min(...values), Math.max(...values)]
  assert.ok(max <= min * 2 + 5, `medians differ too much: ${JSON.stringify(result)}`)
}

const timed = (api: Client, path: string, body: unknown) => async () => (await api.post(path, body)).status

describe('Timing does not reveal accounts (API.md §5, §11)', () => {
  let server: TestServer
  before(async () => {
    // A real hashing cost (8 MiB, t=2: several ms) so that a skipped hash would stand out from the noise; mail goes to
    // a port where nothing listens, so answers cannot wait for SMTP.
    server = await startServer({ ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '2' }, { smtpPort: await freePort() })
  })
  after(async () => { await server.close() })

  it('When logging in with an unknown email, a wrong password or an inactive account, then all take the same time', async () => {
    const api = client(server.base)
    const active = await registerAndActivateWithoutSmtp(server, api)
    const inactive = newUser()
    assert.equal((await api.post('/api/users/', inactive)).status, 201)
    const result = await medians({
      unknown: timed(api, '/api/jwt/create/', { email: 'nobody.at.all@example.com', password: 'myTestPass123.' }),
      wrongPassword: timed(api, '/api/jwt/create/', { email: active.email, password: 'not-the-password' }),
      inactive: timed(api, '/api/jwt/create/', { email: inactive.email, password: inactive.password }),
    })
    assertAlike(result)
  })

  it('When asking for a reset or a new activation mail, then existing and unknown accounts answer alike, before any mail is sent', async () => {
    const api = client(server.base)
    const active = await registerAndActivateWithoutSmtp(server, api)
    const inactive = newUser()
    assert.equal((await api.post('/api/users/', inactive)).status, 201)
    assertAlike(await medians({
      reset_existing: timed(api, '/api/users/reset_password/', { email: active.email }),
      reset_unknown: timed(api, '/api/users/reset_password/', { email: 'unknown.reset@example.com' }),
      resend_existing: timed(api, '/api/users/resend_activation/', { email: inactive.email }),
      resend_unknown: timed(api, '/api/users/resend_activation/', { email: 'unknown.resend@example.com' }),
    }))
    const sent = await server.db.selectFrom('outboxMails').select('id').where('sentAt', 'is not', null).execute()
    assert.equal(sent.length, 0)
  })
})

/** SMTP is down in this file, so the account is activated in the database (activation itself is tested elsewhere). */
async function registerAndActivateWithoutSmtp(server: TestServer, api: Client) {
  const body = newUser()
  assert.equal((await api.post('/api/users/', body)).status, 201)
  await server.db.updateTable('users').set({ isActive: 1 }).where('email', '=', body.email).execute()
  return body
}
