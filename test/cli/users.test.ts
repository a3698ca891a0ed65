import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

const STRONG = 'Operator-Chosen-Pass-9'

describe('npm run cli -- users', () => {
  let server: TestServer
  let env: Record<string, string>
  before(async () => {
    server = await startServer()
    env = cliEnv(server.database)
  })
  after(async () => { await server.close() })

  it('When users list runs, then it prints every user by id, as a table or as JSON', async () => {
    const first = await registerAndActivate(server)
    const second = await registerAndActivate(server)
    const table = await runCli(['users', 'list'], env)
    assert.equal(table.status, 0, table.stderr)
    const lines = table.stdout.trimEnd().split('\n')
    assert.match(lines[0] ?? '', /^id\s+email\s+username\s+type\s+active\s+joined$/)
    const firstLine = lines.findIndex((l) => l.includes(first.email))
    assert.ok(firstLine > 0 && lines.findIndex((l) => l.includes(second.email)) > firstLine, table.stdout)
    assert.match(
      lines[firstLine] ?? '',
      new RegExp(`^\\d+\\s+${first.email.replace(/\./g, '\\.')}\\s+${first.username}\\s+5 student\\s+yes\\s+\\d{4}-\\d\\d-\\d\\d$`),
    )

    const json = await runCli(['users', 'list', '--json'], env)
    const users = JSON.parse(json.stdout) as { id: number; email: string; is_active: boolean; user_type: number }[]
    assert.deepEqual(users.map((u) => u.id), [...users.map((u) => u.id)].sort((a, b) => a - b))
    assert.deepEqual(users.filter((u) => u.email === first.email).map((u) => [u.is_active, u.user_type]), [[true, 5]])
  })

  it('When users show names a user by email or id, then it prints them without any secret; an unknown one fails', async () => {
    const user = await registerAndActivate(server)
    const byEmail = await runCli(['users', 'show', user.email.toUpperCase()], env)
    assert.equal(byEmail.status, 0, byEmail.stderr)
    assert.match(byEmail.stdout, new RegExp(`^email:\\s+${user.email.replace(/\./g, '\\.')}$`, 'm'))
    assert.match(byEmail.stdout, /^user_type:\s+5 \(student\)$/m)
    assert.match(byEmail.stdout, /^password:\s+argon2$/m)
    const id = /^id:\s+(\d+)$/m.exec(byEmail.stdout)?.[1] ?? ''
    const byId = await runCli(['users', 'show', id, '--json'], env)
    assert.equal((JSON.parse(byId.stdout) as { email: string }).email, user.email)

    const unknown = await runCli(['users', 'show', 'nobody@example.com'], env)
    assert.deepEqual([unknown.status, unknown.stdout, unknown.stderr], [1, '', 'No user with the email nobody@example.com.\n'])
    const noRef = await runCli(['users', 'show'], env)
    assert.equal(noRef.status, 1)
    assert.match(noRef.stderr, /^Usage: npm run cli -- users <subcommand>/)
  })

  it('When an operator deactivates a user, then every token they hold stops working and they cannot log in, until activated', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const tokens = await login(api, user.email, user.password)
    assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 200)

    const off = await runCli(['users', 'deactivate', user.email], env)
    assert.equal(off.status, 0, off.stderr)
    assert.match(off.stdout, /^\S+ \(id \d+\) is now inactive; every session and token it held has ended\.\n$/)
    assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 401)
    assert.deepEqual((await api.post('/api/jwt/refresh/', { refresh: tokens.refresh })).body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
    assert.match((await runCli(['users', 'deactivate', user.email], env)).stdout, /was already inactive\.\n$/)

    const on = await runCli(['users', 'activate', user.email], env)
    assert.match(on.stdout, /is now active\.\n$/)
    const again = await login(api, user.email, user.password)
    assert.equal((await api.get('/api/users/me/', { bearer: again.access })).status, 200)
    // The tokens of before the deactivation stay dead.
    assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 401)
  })

  it('When an operator sets a password from standard input, then it replaces the old one and ends every session', async () => {
    const api = client(server.base)
    const user = await registerAndActivate(server)
    const tokens = await login(api, user.email, user.password)

    const weak = await runCli(['users', 'set-password', user.email, '--password-stdin'], env, '12345\n')
    assert.equal(weak.status, 1)
    assert.equal(
      weak.stderr,
      'Password refused: This password is too short. It must contain at least 8 characters. This password is too common. This password is entirely numeric.\n',
    )
    const noTerminal = await runCli(['users', 'set-password', user.email], env)
    assert.deepEqual([noTerminal.status, noTerminal.stderr], [1, 'No terminal to ask for the password: pipe it in with --password-stdin.\n'])
    assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 200)

    const set = await runCli(['users', 'set-password', user.email, '--password-stdin'], env, `${STRONG}\n`)
    assert.equal(set.status, 0, set.stderr)
    assert.match(set.stdout, /^Password of \S+ \(id \d+\) changed; every session and token it held has ended\.\n$/)
    assert.equal((await api.get('/api/users/me/', { bearer: tokens.access })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: user.password })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: user.email, password: STRONG })).status, 200)
  })
})
