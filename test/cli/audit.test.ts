import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { monotonicFactory } from 'ulid'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { userIdOf } from '../helpers/universities.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

type Line = { id: string; at: string; type: string; user_id: number | null; data: Record<string, unknown> }
const ndjson = (text: string) => text.trimEnd().split('\n').map((line) => JSON.parse(line) as Line)

describe('npm run cli -- audit', () => {
  let server: TestServer
  let env: Record<string, string>
  before(async () => {
    server = await startServer()
    env = cliEnv(server.database)
  })
  after(async () => { await server.close() })

  it('When it runs with --json and filters, then it prints the matching events oldest first, one JSON object a line', async () => {
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    assert.equal((await client(server.base).post('/api/jwt/create/', { email: user.email, password: 'Not-The-Password-1' })).status, 401)
    const all = await runCli(['audit', '--json', '--user', user.email], env)
    assert.equal(all.status, 0, all.stderr)
    const lines = ndjson(all.stdout)
    assert.deepEqual(lines.map((l) => [l.type, l.user_id]), [['user.registered', id], ['user.activated', id], ['login.failed', id]])
    assert.deepEqual(Object.keys(lines[0] ?? {}), ['id', 'at', 'type', 'actor_id', 'user_id', 'university_id', 'ip', 'user_agent', 'session_id', 'data'])
    const typed = await runCli(['audit', '--json', '--user', String(id), '--type', 'login.failed', '--type', 'user.activated'], env)
    assert.deepEqual(ndjson(typed.stdout).map((l) => l.type), ['user.activated', 'login.failed'])
    const since = lines[2]?.at ?? ''
    const late = await runCli(['audit', '--json', '--user', String(id), '--since', since], env)
    assert.deepEqual(ndjson(late.stdout).map((l) => l.type), ['login.failed'])
  })

  it('When it runs without --json, then it prints a table with a header line', async () => {
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    const table = await runCli(['audit', '--user', user.email, '--type', 'user.registered'], env)
    assert.equal(table.status, 0, table.stderr)
    const [header, row, ...rest] = table.stdout.trimEnd().split('\n')
    assert.match(header ?? '', /^at\s+type\s+actor\s+user\s+univ\s+ip\s+data$/)
    assert.match(row ?? '', new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+user\\.registered\\s+-\\s+${id}\\s+-\\s+127\\.0\\.0\\.1\\s+\\{"via":"registration"`))
    assert.deepEqual(rest, [])
  })

  it('When more events match than one page of the stream holds, then every one is printed once, in order', async () => {
    const nextId = monotonicFactory()
    const start = Date.parse('2020-01-01T00:00:00Z')
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      id: nextId(start + i), at: start + i, type: 'admin.action', actorId: null, userId: 424242, universityId: null,
      ip: null, userAgent: 'cli', sessionId: null, data: JSON.stringify({ action: `bulk ${i}` }),
    }))
    for (let i = 0; i < rows.length; i += 500) await server.db.insertInto('auditEvents').values(rows.slice(i, i + 500)).execute()
    const exported = await runCli(['audit', '--json', '--user', '424242'], env)
    assert.equal(exported.status, 0, exported.stderr)
    const lines = ndjson(exported.stdout)
    assert.equal(lines.length, 2500)
    assert.deepEqual(lines.map((l) => l.data.action), rows.map((_, i) => `bulk ${i}`))
  })

  it('When an option is malformed or names nobody, then it exits 1 saying which, and prints nothing', async () => {
    const bad = await runCli(['audit', '--since', 'yesterday', '--type', 'user.exploded'], env)
    assert.equal(bad.status, 1)
    assert.equal(bad.stdout, '')
    assert.equal(bad.stderr, '--type: Select a valid choice. user.exploded is not one of the available choices.\n'
      + '--since: Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].\n')
    const nobody = await runCli(['audit', '--user', 'nobody@example.com'], env)
    assert.deepEqual([nobody.status, nobody.stdout, nobody.stderr], [1, '', 'No user with the email nobody@example.com: name a deleted user by id.\n'])
    const help = await runCli(['audit', '--help'], env)
    assert.match(help.stdout, /^Usage: npm run cli -- audit \[--user EMAIL\|ID\]/)
  })
})
