import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { newUser } from '../helpers/flows.ts'
import { freePort } from '../helpers/ports.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { startServerProcess } from '../helpers/server-process.ts'
import type { LogLine } from '../helpers/server-process.ts'

type MailRecord = { to: string; subject: string; text: string; file: string }
const mailOf = (line: LogLine) => line.mail as MailRecord | undefined
const ACTIVATION_LINK = /http:\/\/localhost:3000\/nl\/activation\/[^/\s]+\/[^/\s]+/

/** @see issue 12, item 16: console mail was printed raw into the stream of JSON log lines. */
describe('the console mail backend under JSON logging (the real server process)', () => {
  let database: TestDatabase
  before(async () => { database = await createTestDatabase() })
  after(async () => { await database.drop() })

  it('When a user registers, then the mail is one log record (recipient, subject, text part), '
    + 'the .eml keeps the link whole, and stdout holds only JSON', async () => {
    const port = await freePort()
    const outboxDir = join(database.dataDir, 'outbox')
    const server = startServerProcess({
      SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: database.dataDir, DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: String(port),
      EMAIL_BACKEND: 'console', EMAIL_HOST: '', EMAIL_OUTBOX_DIR: outboxDir, EMAIL_POLL_INTERVAL: '1',
      ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1', RATE_LIMIT: 'off', LOG_LEVEL: 'info',
    })
    try {
      await server.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'))
      const body = newUser()
      const res = await fetch(`http://127.0.0.1:${port}/api/users/`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
      })
      assert.equal(res.status, 201)
      await server.waitFor((l) => mailOf(l)?.to === body.email, 10_000)

      const records = server.lines.filter((l) => mailOf(l) !== undefined)
      assert.equal(records.length, 1)
      const [record] = records
      assert.equal(record?.msg, 'mail (console backend)')
      assert.equal(record?.level, 30)
      const mail = mailOf(record ?? {}) as MailRecord
      assert.deepEqual(Object.keys(mail).sort(), ['file', 'subject', 'text', 'to'])
      assert.equal(mail.subject, 'Account activation on UniLink')
      assert.equal(mail.file.startsWith(`${outboxDir}/`) && mail.file.endsWith('.eml'), true, mail.file)
      const link = ACTIVATION_LINK.exec(mail.text)?.[0]
      assert.ok(link !== undefined, mail.text)

      // The kept file is the mail as sent: 8bit text parts, so the link can be copied from it as it is.
      const eml = readFileSync(mail.file, 'utf8')
      assert.equal(eml.match(/^Content-Transfer-Encoding: 8bit$/gm)?.length, 2, eml)
      assert.doesNotMatch(eml, /quoted-printable/i)
      assert.ok(eml.split('\n').includes(link), eml)
      assert.deepEqual(server.notJson, [])
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})
