import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

const COMMANDS = ['migrate', 'createsuperuser', 'users', 'universities', 'audit', 'oidc', 'outbox', 'keys', 'check', 'openapi', 'mail-preview']

describe('npm run cli -- <command>', () => {
  let database: TestDatabase
  before(async () => { database = await createTestDatabase() })
  after(async () => { await database.drop() })

  it('When --help is asked for, then every command is listed, and each command has its own help', async () => {
    const help = await runCli(['--help'], {})
    assert.equal(help.status, 0, help.stderr)
    assert.match(help.stdout, /^Usage: npm run cli -- <command> \[options\]/)
    const listed = [...help.stdout.matchAll(/^ {2}(\S+) +\S/gm)].map((m) => m[1])
    assert.deepEqual(listed, COMMANDS)
    const users = await runCli(['users', '--help'], {})
    assert.match(users.stdout, /^Usage: npm run cli -- users <subcommand>\n\n {2}list \[--json\]/)
  })

  it('When the command is unknown, then it fails with the list of commands', async () => {
    const res = await runCli(['frobnicate'], {})
    assert.equal(res.status, 1)
    assert.equal(res.stdout, '')
    assert.match(res.stderr, /^Unknown command "frobnicate"\.\n\nUsage: npm run cli -- <command>/)
  })

  it('When createsuperuser runs with --noinput, then a site admin exists; the same email again is refused', async () => {
    const env = cliEnv(database, { SUPERUSER_PASSWORD: 'Site-Admin-Pass-1' })
    const args = ['createsuperuser', '--email', 'Root@Example.com', '--username', 'root', '--noinput']
    const created = await runCli(args, env)
    assert.equal(created.status, 0, created.stderr)
    assert.match(created.stdout, /^Superuser created: root@example\.com \(id \d+\)\.\n$/)
    const shown = await runCli(['users', 'show', 'root@example.com'], env)
    assert.match(shown.stdout, /^user_type:\s+0 \(site admin\)$/m)
    assert.match(shown.stdout, /^superuser:\s+yes$/m)
    const again = await runCli(args, env)
    assert.deepEqual([again.status, again.stderr], [1, 'A user with the email root@example.com already exists.\n'])
    const noPassword = await runCli(args, cliEnv(database))
    assert.deepEqual([noPassword.status, noPassword.stderr], [1, '--noinput needs the password in SUPERUSER_PASSWORD.\n'])
  })
})
