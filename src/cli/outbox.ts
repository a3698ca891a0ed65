import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { createOutboxStore } from '../mail/outbox-store.ts'
import type { OutboxMail, OutboxStore } from '../mail/outbox-store.ts'
import { CommandError, withDatabase } from './run-command.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { commandLineContext } from '../platform/http/request-context.ts'
import type { Out } from './run-command.ts'

export const OUTBOX_USAGE = `Usage: npm run cli -- outbox <subcommand>

  list [--all] [--limit N] [--json]   mails not sent yet (--all: sent ones too), newest first (default limit 50), with
                                      the next attempt, or "being sent until T" while a sender holds the mail (after
                                      a crash the mail waits for that time to pass)
  retry [ID ...]                      makes the mails that were given up (status failed) due again, with a fresh
                                      count of attempts: all of them, or those named; the running service sends
                                      them at its next poll (EMAIL_POLL_INTERVAL)`

const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'))

function statusOf(mail: OutboxMail): string {
  if (mail.sentAt !== null) return 'sent'
  if (mail.failedAt !== null) return 'failed'
  return mail.attempts > 0 ? 'retrying' : 'pending'
}

/**
 * A sender holds the mail until `claimedUntil`; after a crash the claim stays until it expires, and only then is the
 * mail tried again. Saying so explains a mail that looks pending and untried for up to a minute.
 */
const leaseUntil = (mail: OutboxMail, now: number): number | null =>
  statusOf(mail) !== 'sent' && statusOf(mail) !== 'failed' && mail.claimedUntil !== null && mail.claimedUntil > now ? mail.claimedUntil : null

/** When the mail is tried next, as the table shows it. */
function nextAttemptOf(mail: OutboxMail, now: number): string {
  const lease = leaseUntil(mail, now)
  if (lease !== null) return `being sent until ${time(lease)}`
  if (mail.sentAt !== null || mail.failedAt !== null) return ''
  return mail.nextAttemptAt <= now ? 'now' : time(mail.nextAttemptAt)
}

function toJson(mail: OutboxMail, now: number) {
  const unsent = mail.sentAt === null && mail.failedAt === null
  const lease = leaseUntil(mail, now)
  return {
    id: mail.id, status: statusOf(mail), to: mail.recipient, subject: mail.subject, attempts: mail.attempts,
    created: time(mail.createdAt), next_attempt: unsent ? time(mail.nextAttemptAt) : null,
    being_sent_until: lease === null ? null : time(lease),
    sent: mail.sentAt === null ? null : time(mail.sentAt), failed: mail.failedAt === null ? null : time(mail.failedAt),
    last_error: mail.lastError,
  }
}

function table(mails: OutboxMail[], now: number): string {
  if (mails.length === 0) return 'No mails.'
  const rows = [['id', 'status', 'attempts', 'next attempt', 'created', 'to', 'subject', 'last error'], ...mails.map((m) => [
    String(m.id), statusOf(m), String(m.attempts), nextAttemptOf(m, now), time(m.createdAt), m.recipient, m.subject, (m.lastError ?? '').slice(0, 60),
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

/** Named ids must name mails: a typo is said as such, not answered "nothing to retry". */
async function checkNamedMails(store: OutboxStore, ids: number[]): Promise<void> {
  const known = new Set((await store.findByIds(ids)).map((m) => m.id))
  const unknown = [...new Set(ids)].filter((id) => !known.has(id))
  if (unknown.length === 0) return
  const list = unknown.join(', ')
  throw new CommandError(`No mail with id ${list} in the outbox: \`npm run cli -- outbox list --all\` shows the ids (failed mails are the ones to retry).`)
}

/** `outbox list | retry`: the mail queue, for an operator. */
export async function outbox(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  const [sub, ...rest] = positionals
  if (values.help || sub === undefined) return out(OUTBOX_USAGE)
  if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) throw new CommandError(`--limit must be a positive whole number, got "${values.limit}".`)
  if (rest.some((id) => !/^\d+$/.test(id))) throw new CommandError(`Mail ids are whole numbers, got "${rest.join(' ')}".`)
  if (sub !== 'list' && sub !== 'retry') throw new CommandError(`Unknown outbox subcommand "${sub}".\n\n${OUTBOX_USAGE}`)
  if (sub === 'list' && rest.length > 0) throw new CommandError(OUTBOX_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const store = createOutboxStore(db)
    const now = Date.now()
    if (sub === 'list') {
      const mails = await store.list({ includeSent: values.all, limit: Number(values.limit) })
      return out(values.json ? JSON.stringify(mails.map((m) => toJson(m, now)), null, 2) : table(mails, now))
    }
    const ids = rest.map(Number)
    await checkNamedMails(store, ids)
    // The operator's action is recorded with it (API.md §13: admin.action).
    const count = await db.transaction().execute(async (trx) => {
      const retried = await createOutboxStore(trx).retryFailed(now, ids.length > 0 ? ids : undefined)
      const context = commandLineContext('outbox retry')
      await auditRecorderFor(db, config).record(trx, { type: 'admin.action', context, data: { action: 'outbox retry', target: `${retried} mails` } })
      return retried
    })
    out(count === 0 ? 'No failed mails to retry.' : `${count} failed mail${count === 1 ? '' : 's'} `
      + `due again; the service sends ${count === 1 ? 'it' : 'them'} at its next poll.`)
  })
}
