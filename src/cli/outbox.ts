import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { createOutboxStore } from '../mail/outbox-store.ts'
import type { OutboxMail } from '../mail/outbox-store.ts'
import { CommandError, withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const OUTBOX_USAGE = `Usage: npm run cli -- outbox <subcommand>

  list [--all] [--limit N] [--json]   mails not sent yet (--all: sent ones too), newest first (default limit 50)
  retry [ID ...]                      makes the mails that were given up (status failed) due again, with a fresh
                                      count of attempts: all of them, or those named; the running service sends
                                      them at its next poll (EMAIL_POLL_INTERVAL)`

const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'))

function statusOf(mail: OutboxMail): string {
  if (mail.sentAt !== null) return 'sent'
  if (mail.failedAt !== null) return 'failed'
  return mail.attempts > 0 ? 'retrying' : 'pending'
}

function toJson(mail: OutboxMail) {
  return {
    id: mail.id, status: statusOf(mail), to: mail.recipient, subject: mail.subject, attempts: mail.attempts,
    created: time(mail.createdAt), next_attempt: mail.sentAt === null && mail.failedAt === null ? time(mail.nextAttemptAt) : null,
    sent: mail.sentAt === null ? null : time(mail.sentAt), failed: mail.failedAt === null ? null : time(mail.failedAt),
    last_error: mail.lastError,
  }
}

function table(mails: OutboxMail[]): string {
  if (mails.length === 0) return 'No mails.'
  const rows = [['id', 'status', 'attempts', 'created', 'to', 'subject', 'last error'], ...mails.map((m) => [
    String(m.id), statusOf(m), String(m.attempts), time(m.createdAt), m.recipient, m.subject, (m.lastError ?? '').slice(0, 60),
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

/** `outbox list | retry`: the mail queue, for an operator. */
export async function outbox(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { all: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
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
    if (sub === 'list') {
      const mails = await store.list({ includeSent: values.all, limit: Number(values.limit) })
      return out(values.json ? JSON.stringify(mails.map(toJson), null, 2) : table(mails))
    }
    const count = await store.retryFailed(Date.now(), rest.length > 0 ? rest.map(Number) : undefined)
    out(count === 0 ? 'No failed mails to retry.' : `${count} failed mail${count === 1 ? '' : 's'} due again; the service sends ${count === 1 ? 'it' : 'them'} at its next poll.`)
  })
}
