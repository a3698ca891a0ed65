import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { FIXTURES, copyOf, readManifest, runImport, summaryLine } from './run-import.ts'

const manifest = readManifest('unilink-full.json')
const faculty = manifest.users.find((u) => u.key === 'faculty') as (typeof manifest.users)[number]

// A target that is already in use: someone registered here before the import. That account took id 1 (the Django
// admin's id, with another email and username) and the Django faculty member's email.
describe('npm run import-django -- --on-conflict abort|skip|replace', () => {
  let server: TestServer
  let source: string
  let squatter: Awaited<ReturnType<typeof registerAndActivate>>
  before(async () => {
    server = await startServer()
    source = copyOf(`${FIXTURES}/unilink-full.sqlite3`)
    squatter = await registerAndActivate(server, { email: faculty.email.toUpperCase(), username: 'earlybird' })
  })
  after(async () => { await server.close() })

  const users = async () => server.db.selectFrom('users').select(['id', 'email']).orderBy('id').execute()

  it('When the target holds conflicting users and no resolution is given, then it refuses, names them and writes nothing', async () => {
    const before = await users()
    assert.deepEqual(before, [{ id: 1, email: faculty.email }])
    const run = await runImport(server, ['--from', source])
    assert.equal(run.code, 2)
    const lines = run.stdout.trim().split('\n')
    assert.deepEqual(lines.slice(0, 3), [
      'Refused: 2 Django user(s) conflict with users already on this service; nothing was written.',
      '  conflict: Django user 1 (admin@admin.com): id 1 here belongs to a different user',
      `  conflict: Django user ${faculty.id}: email ${faculty.email} belongs to user 1 here`,
    ])
    assert.deepEqual(await users(), before)
    assert.deepEqual(await server.db.selectFrom('universities').select('id').execute(), [])
  })

  it('When run with --dry-run --on-conflict skip, then it reports the skips and writes nothing', async () => {
    const run = await runImport(server, ['--from', source, '--dry-run', '--on-conflict', 'skip'])
    assert.equal(run.code, 1)
    assert.equal(summaryLine(run.stdout, 'users'), 'users: 16 would be imported, 0 would be updated, 0 unchanged, 2 skipped')
    assert.deepEqual(await users(), [{ id: 1, email: faculty.email }])
  })

  it('When run with --on-conflict skip, then the users here stay, the conflicting Django users are skipped, the rest imported', async () => {
    const run = await runImport(server, ['--from', source, '--on-conflict', 'skip'])
    assert.equal(run.code, 1)
    assert.match(run.stdout, /skipped users id 1: conflicts with user 1 here \(same id, different person\); kept the user here/)
    assert.match(run.stdout, new RegExp(`skipped users id ${faculty.id}: conflicts with user 1 here \\(same email\\)`))
    const ids = (await users()).map((u) => u.id)
    assert.deepEqual(ids, manifest.users.map((u) => u.id).filter((id) => id !== faculty.id))
    await login(client(server.base), squatter.email, squatter.password)
  })

  it('When run with --on-conflict replace, then the users here are deleted and the Django users imported', async () => {
    const run = await runImport(server, ['--from', source, '--on-conflict', 'replace'])
    assert.equal(run.code, 0, run.stdout)
    assert.match(run.stdout, /users deleted here to make room \(--on-conflict replace\): 1\n/)
    assert.equal(summaryLine(run.stdout, 'users'), 'users: 2 imported, 0 updated, 16 unchanged, 0 skipped')
    assert.deepEqual((await users()).map((u) => u.id), manifest.users.map((u) => u.id))
    const api = client(server.base)
    assert.equal((await api.post('/api/jwt/create/', { email: squatter.email, password: squatter.password })).status, 401)
    await login(api, faculty.email, faculty.password as string)
    await login(api, 'admin@admin.com', 'admin')
  })
})
