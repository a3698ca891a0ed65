import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { newUser } from '../helpers/flows.ts'

describe('Request logs', () => {
  let server: TestServer
  before(async () => { server = await startServer({ LOG_LEVEL: 'info' }) })
  after(async () => { await server.close() })

  it('When a request carries X-Request-Id, then it is echoed and names the one log line of the request', async () => {
    const res = await client(server.base).get('/api/users/me/', { headers: { 'x-request-id': 'abc-123' } })
    assert.equal(res.headers.get('x-request-id'), 'abc-123')
    const lines = server.logs.lines.filter((l) => l.reqId === 'abc-123')
    assert.equal(lines.length, 1)
    assert.deepEqual({ msg: lines[0]?.msg, method: lines[0]?.method, path: lines[0]?.path, status: lines[0]?.status },
      { msg: 'request', method: 'GET', path: '/api/users/me/', status: 401 })
  })

  it('When a request has no acceptable X-Request-Id, then one is generated and echoed', async () => {
    const res = await client(server.base).get('/healthz', { headers: { 'x-request-id': 'bad id with spaces' } })
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
  })

  it('When a whole account flow runs, then no password, token or cookie appears in the logs', async () => {
    const api = client(server.base)
    const body = newUser()
    assert.equal((await api.post('/api/users/', body)).status, 201)
    const mail = await server.mail.waitFor((m) => m.to === body.email)
    const { uid, token } = linkParts(mail, 'nl/activation')
    assert.equal((await api.post('/api/users/activation/', { uid, token })).status, 204)
    const login = await api.post('/api/jwt/create/', { email: body.email, password: body.password })
    const { access, refresh } = login.body as { access: string; refresh: string }
    await api.get('/api/users/me/', { cookies: { access } })
    const refreshed = await api.post('/api/jwt/refresh/', undefined, { cookies: { refresh } })
    const newPassword = 'An0ther-Secret-Passw0rd'
    await api.post('/api/users/set_password/', { current_password: body.password, new_password: newPassword, re_new_password: newPassword }, { bearer: access })
    await api.post('/api/jwt/create/', { email: body.email, password: 'wrong-password-guess' })
    await api.post('/api/jwt/create/', { email: body.email, password: '' })
    await api.post('/api/logout/', { refresh }, { bearer: access })
    const text = server.logs.lines.map((l) => JSON.stringify(l)).join('\n')
    assert.ok(server.logs.lines.filter((l) => l.msg === 'request').length >= 9)
    const secrets = [body.password, newPassword, 'wrong-password-guess', token, access, refresh, (refreshed.body as { access: string }).access]
    for (const secret of secrets) assert.equal(text.includes(secret), false, `a secret reached the logs: ${secret.slice(0, 12)}…`)
  })
})
