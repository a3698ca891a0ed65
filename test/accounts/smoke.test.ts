import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'

describe('smoke', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  it('registers, activates, logs in and reads me', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
    assert.equal((me.body as { email: string }).email, user.email)
  })
})
