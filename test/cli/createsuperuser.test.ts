import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { cliEnv, runCli, runCliOnTerminal } from '../helpers/cli.ts'

const TOO_SHORT = 'This password is too short. It must contain at least 8 characters.'

// @see issue 12, item 12: the same validators and messages with and without --noinput; a mismatch asks again.
describe('npm run createsuperuser', () => {
  let database: TestDatabase
  before(async () => { database = await createTestDatabase() })
  after(async () => { await database.drop() })

  /** The account as `users show --json` prints it: [] when there is none. */
  async function created(email: string): Promise<{ email: string; userType: number }[]> {
    const shown = await runCli(['users', 'show', email, '--json'], cliEnv(database))
    if (shown.status !== 0) return []
    const user = JSON.parse(shown.stdout) as { email: string; user_type: number }
    return [{ email: user.email, userType: user.user_type }]
  }

  it('When --noinput gets a password the validators refuse, then it exits 1 with their messages and creates nobody', async () => {
    const args = ['createsuperuser', '--email', 'short@example.com', '--username', 'shorty', '--noinput']
    const short = await runCli(args, cliEnv(database, { SUPERUSER_PASSWORD: 'asxza' }))
    assert.deepEqual([short.status, short.stdout, short.stderr], [1, '', `${TOO_SHORT}\n`])
    const several = await runCli(args, cliEnv(database, { SUPERUSER_PASSWORD: '1234567' }))
    assert.deepEqual([several.status, several.stderr], [1, `${TOO_SHORT}\nThis password is too common.\nThis password is entirely numeric.\n`])
    const similar = await runCli(args, cliEnv(database, { SUPERUSER_PASSWORD: 'short@example.com' }))
    assert.deepEqual([similar.status, similar.stderr], [1, 'The password is too similar to the email.\n'])
    assert.deepEqual(await created('short@example.com'), [])
  })

  it('When the prompt gets a refused password, then it prints the same messages and asks again', async () => {
    const args = ['createsuperuser', '--email', 'prompted@example.com', '--username', 'prompted']
    const run = await runCliOnTerminal(args, cliEnv(database), ['asxza', 'asxza', 'Site-Admin-Pass-1', 'Site-Admin-Pass-1'])
    assert.equal(run.status, 0, run.output)
    const lines = run.output.split('\n')
    assert.deepEqual(lines.slice(0, 5), ['Password: ', 'Password (again): ', TOO_SHORT, 'Password: ', 'Password (again): '])
    assert.match(lines.slice(5).join('\n'), /^Superuser created: prompted@example\.com \(id \d+\)\.\n$/)
    assert.deepEqual(await created('prompted@example.com'), [{ email: 'prompted@example.com', userType: 0 }])
  })

  it('When the two entries differ, then it says so and asks again, as Django does; a blank password is asked again too', async () => {
    const args = ['createsuperuser', '--email', 'retyped@example.com', '--username', 'retyped']
    const run = await runCliOnTerminal(args, cliEnv(database), ['Site-Admin-Pass-1', 'Site-Admin-Pass-2', '  ', '  ', 'Site-Admin-Pass-1', 'Site-Admin-Pass-1'])
    assert.equal(run.status, 0, run.output)
    const lines = run.output.split('\n')
    assert.deepEqual(lines.slice(0, 8), [
      'Password: ', 'Password (again): ', "Error: Your passwords didn't match.",
      'Password: ', 'Password (again): ', "Error: Blank passwords aren't allowed.",
      'Password: ', 'Password (again): ',
    ])
    assert.match(lines[8] ?? '', /^Superuser created: retyped@example\.com \(id \d+\)\.$/)
    assert.deepEqual(await created('retyped@example.com'), [{ email: 'retyped@example.com', userType: 0 }])
  })

  it('When the input ends at the prompt, then it exits 1 without creating anybody', async () => {
    const run = await runCliOnTerminal(['createsuperuser', '--email', 'gone@example.com', '--username', 'gone'], cliEnv(database), [])
    assert.deepEqual([run.status, run.output], [1, 'Password: Aborted: no password was entered.\n'])
    assert.deepEqual(await created('gone@example.com'), [])
  })
})
