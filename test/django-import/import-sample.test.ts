import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { createPasswordHasher } from '../../src/platform/password-hashing.ts'
import { SAMPLE_DB, copyOf, runImport, summaryLine } from './run-import.ts'

// The original project's own sample database (Django 4.2): one site admin, admin@admin.com / admin, stored as
// pbkdf2_sha256 with 600,000 iterations.
describe('npm run import-django -- --from <the original sample database>', () => {
  let server: TestServer
  let source: string
  before(async () => {
    server = await startServer()
    source = copyOf(SAMPLE_DB)
  })
  after(async () => { await server.close() })

  const passwordOf = async (id: number) =>
    (await server.db.selectFrom('users').select('password').where('id', '=', id).executeTakeFirstOrThrow()).password

  it('When the sample database is imported, then its admin logs in with admin / admin as a site admin', async () => {
    const run = await runImport(server, ['--from', source])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(summaryLine(run.stdout, 'users'), 'users: 1 imported, 0 updated, 0 unchanged, 0 skipped')
    assert.match(await passwordOf(1), /^pbkdf2_sha256\$600000\$/, 'the Django hash is carried over as it is')

    const api = client(server.base)
    const { access } = await login(api, 'admin@admin.com', 'admin')
    const me = await api.get('/api/users/me/', { bearer: access })
    assert.equal(me.status, 200)
    assert.deepEqual(me.body, {
      id: 1, first_name: 'Site', last_name: 'Admin', username: 'admin', email: 'admin@admin.com', university: null,
      department: null, profile_picture: `${server.base}/media/profile_pictures/avatar-male.png`, user_type: 0,
    })
    const everyone = await api.get('/api/users/', { bearer: access })
    assert.equal(everyone.status, 200, 'a site admin may list every user')
  })

  it('When the admin has logged in once, then the PBKDF2 hash has been replaced by argon2id at the configured cost', async () => {
    const hash = await passwordOf(1)
    assert.match(hash, /^argon2\$argon2id\$v=19\$/)
    assert.equal(createPasswordHasher(server.config.passwordHashing).needsRehash(hash), false)
    const api = client(server.base)
    await login(api, 'admin@admin.com', 'admin')
    assert.equal(await passwordOf(1), hash, 'a current hash is not re-hashed again')
    assert.equal((await api.post('/api/jwt/create/', { email: 'admin@admin.com', password: 'Admin' })).status, 401)
  })

  it('When the import runs again, then nothing is added and the hash and last login made here are kept', async () => {
    const before = await server.db.selectFrom('users').select(['password', 'lastLogin']).where('id', '=', 1).executeTakeFirstOrThrow()
    const run = await runImport(server, ['--from', source])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(summaryLine(run.stdout, 'users'), 'users: 0 imported, 0 updated, 1 unchanged, 0 skipped')
    const rows = await server.db.selectFrom('users').select(['id', 'password', 'lastLogin']).execute()
    assert.deepEqual(rows, [{ id: 1, ...before }])
  })
})
