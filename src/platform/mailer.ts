import { constants } from 'node:fs'
import { access, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import nodemailer from 'nodemailer'

export type MailMessage = { to: string; subject: string; text: string; html: string }

/** The one mail interface; features never import nodemailer (they queue mail in the outbox). */
export type Mailer = {
  send(message: MailMessage & { id: number }): Promise<void>
  /** Checks that mail can go out (the SMTP server answers and takes the credentials); says how, or throws. */
  verify(): Promise<string>
  close(): void
}

/** RFC 5322's limit on a line, in octets (Django's RFC5322_EMAIL_LINE_LENGTH_LIMIT). */
const LINE_LIMIT_OCTETS = 998

/**
 * A text part sent as Django's SafeMIMEText does: 8bit, so every line (a link above all) stays whole in the .eml file,
 * a terminal and any mail client; quoted-printable only when a line would exceed the 998-octet limit. nodemailer
 * has no 8bit choice for text (its `textEncoding` is for header words; a text part is 7bit, QP or base64), so
 * the part is handed to it pre-built (`raw`), which it passes through as it is.
 */
function textPart(type: 'text/plain' | 'text/html', content: string) {
  if (content.split(/\r?\n/).some((line) => Buffer.byteLength(line, 'utf8') > LINE_LIMIT_OCTETS)) {
    return { content, contentTransferEncoding: 'quoted-printable' as const }
  }
  return { raw: `Content-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${content}` }
}

/** nodemailer's message fields of one of our mails: a text and an HTML alternative. */
function composeMail(from: string, message: MailMessage) {
  return { from, to: message.to, subject: message.subject, text: textPart('text/plain', message.text), html: textPart('text/html', message.html) }
}

export type SmtpSettings = {
  host: string
  port: number
  user: string | undefined
  password: string | undefined
  useTls: boolean
  from: string
}

/** Delivers through an SMTP server; a failure rejects, and the outbox retries later. */
export function createSmtpMailer(settings: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    // Django's EMAIL_USE_TLS means STARTTLS on a plain connection; port 465 means implicit TLS.
    secure: settings.port === 465,
    requireTLS: settings.useTls,
    ignoreTLS: !settings.useTls,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  })
  return {
    async send(message) {
      await transport.sendMail(composeMail(settings.from, message))
    },
    async verify() {
      await transport.verify()
      return `SMTP server ${settings.host}:${settings.port} answers${settings.user ? ` and accepts the login of ${settings.user}` : ''}`
    },
    close: () => transport.close(),
  }
}

/** A mail the console backend kept: what it shows of it (the text part holds the links). */
export type ConsoleMail = { to: string; subject: string; text: string; file: string }

/** A console mail as a person reads it on a terminal: the text part between two markers, links whole. */
export function formatConsoleMail(mail: ConsoleMail): string {
  return `\n--- mail to ${mail.to}: ${mail.subject} (saved as ${mail.file})\n${mail.text}\n---\n`
}

/**
 * The embedded default: keeps each mail as an `.eml` file in the outbox folder and shows it through `show` (printed
 * on a terminal, one log record in JSON logging), so links can be copied or the file opened in a mail program.
 */
export function createConsoleMailer(opts: { from: string; outboxDir: string; show: (mail: ConsoleMail) => void }): Mailer {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    async send(message) {
      const info = await builder.sendMail(composeMail(opts.from, message))
      await mkdir(opts.outboxDir, { recursive: true })
      const file = join(opts.outboxDir, `${Date.now()}-${message.id}.eml`)
      await writeFile(file, info.message as Buffer)
      opts.show({ to: message.to, subject: message.subject, text: message.text, file })
    },
    async verify() {
      await mkdir(opts.outboxDir, { recursive: true })
      await access(opts.outboxDir, constants.W_OK)
      return `console backend: mail is printed and kept in ${opts.outboxDir} (no SMTP server is used)`
    },
    close: () => builder.close(),
  }
}
