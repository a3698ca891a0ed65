import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

type ListedMail = { id: number; status: string; to: string; subject: string; attempts: number; last_error: string | null }

describe('npm run cli -- outbox', () => {
  let server: TestServer
  let smtpPort: number
  let env: Record<string, string>
  // SMTP is down, and a mail is given up at its first failure.
  before(async () => {
    smtpPort = await freePort()
    server = await startServer({ EMAIL_MAX_ATTEMPTS: '1' }, { smtpPort })
    env = cliEnv(server.database)
  })
  after(async () => { await server.close() })

  async function listed(args: string[] = []): Promise<ListedMail[]> {
    const res = await runCli(['outbox', 'list', '--json', ...args], env)
    assert.equal(res.status, 0, res.stderr)
    return JSON.parse(res.stdout) as ListedMail[]
  }

  it('When a mail was given up, then outbox list shows it failed, and outbox retry makes the service send it', async () => {
    const body = newUser()
    assert.equal((await client(server.base).post('/api/users/', body)).status, 201)
    await server.logs.waitFor((line) => line.msg === 'mail delivery failed' && line.giveUp === true)

    const [failed] = await listed()
    assert.deepEqual([failed?.status, failed?.to, failed?.subject, failed?.attempts], ['failed', body.email, 'Account activation on UniLink', 1])
    assert.match(failed?.last_error ?? '', /ECONNREFUSED/)
    const table = await runCli(['outbox', 'list'], env)
    assert.match(table.stdout, /^id\s+status\s+attempts\s+created\s+to\s+subject\s+last error\n/)
    assert.match(table.stdout, new RegExp(`^${failed?.id}\\s+failed\\s+1\\s+\\S+\\s+${body.email.replace(/\./g, '\\.')}\\s+Account activation on UniLink\\s+`, 'm'))

    const sink = await startSmtpSink(smtpPort)
    try {
      const retried = await runCli(['outbox', 'retry'], env)
      assert.deepEqual([retried.status, retried.stdout], [0, '1 failed mail due again; the service sends it at its next poll.\n'])
      await sink.waitFor((m) => m.to === body.email)
    } finally {
      await sink.close()
    }
    assert.deepEqual((await runCli(['outbox', 'retry'], env)).stdout, 'No failed mails to retry.\n')
  })

  it('When outbox list is asked for sent mail too, then the delivered mail is there as sent', async () => {
    // The sender marks a mail sent just after the SMTP server took it: wait for that row.
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline) {
      const unsent = await server.db.selectFrom('outboxMails').select('id').where('sentAt', 'is', null).execute()
      if (unsent.length === 0) break
    }
    const mails = await listed(['--all'])
    assert.deepEqual(mails.map((m) => m.status), ['sent'])
    assert.equal(mails[0]?.attempts, 0)
    assert.deepEqual(await listed(), [])
  })

  it('When an outbox command is malformed, then it fails with its usage', async () => {
    const bad = await runCli(['outbox', 'retry', 'x'], env)
    assert.deepEqual([bad.status, bad.stderr], [1, 'Mail ids are whole numbers, got "x".\n'])
    const unknown = await runCli(['outbox', 'purge'], env)
    assert.equal(unknown.status, 1)
    assert.match(unknown.stderr, /^Unknown outbox subcommand "purge"\.\n\nUsage: npm run cli -- outbox <subcommand>/)
  })
})
