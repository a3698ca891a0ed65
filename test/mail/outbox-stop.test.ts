import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import type { Db } from '../../src/platform/db.ts'
import { migrateToLatest } from '../../src/platform/migrate.ts'
import { createOutboxStore } from '../../src/mail/outbox-store.ts'
import { createOutboxSender } from '../../src/mail/outbox-sender.ts'
import { createSmtpMailer } from '../../src/platform/mailer.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'

// CI saw a SIGTERM under load leave one activation mail claimed and unsent (test/operability/shutdown.test.ts): the
// stop landed while the sender's claim query was running, and the claimed mail was neither sent nor given back.
describe('mail outbox: stopping the sender', () => {
  let database: TestDatabase
  let db: Db
  let sink: Awaited<ReturnType<typeof startSmtpSink>>
  before(async () => {
    database = await createTestDatabase()
    db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    await migrateToLatest(db)
    sink = await startSmtpSink()
  })
  after(async () => {
    await db.destroy()
    await sink.close()
    await database.drop()
  })

  it('When stop() comes while the claim of a due mail is in flight, then the mail is given back unclaimed and a later sender sends it', async () => {
    const store = createOutboxStore(db)
    await store.enqueue(db, { to: 'ada@example.com', subject: 'Hello', text: 'Hi', html: '<p>Hi</p>' }, Date.now())
    const mailer = createSmtpMailer({ host: '127.0.0.1', port: sink.port, from: 'noreply@example.com', useTls: false, user: undefined, password: undefined })
    const options = { pollIntervalMs: 60_000, retryBaseMs: 1000, maxAttempts: 3 }
    const make = () => createOutboxSender({ store, mailer, log: pino({ level: 'silent' }), options })

    // start() runs the claim query up to its first await; stop() is therefore called with the claim in flight.
    const first = make()
    first.start()
    await first.stop()
    const rows = await db.selectFrom('outboxMails').select(['claimedUntil', 'sentAt']).execute()
    assert.deepEqual(rows, [{ claimedUntil: null, sentAt: null }])

    const second = make()
    second.start()
    const mail = await sink.waitFor((m) => m.to === 'ada@example.com')
    assert.equal(mail.subject, 'Hello')
    await second.stop()
    const sent = await db.selectFrom('outboxMails').select(['claimedUntil', 'sentAt']).executeTakeFirstOrThrow()
    assert.equal(sent.claimedUntil, null)
    assert.notEqual(sent.sentAt, null)
  })
})
