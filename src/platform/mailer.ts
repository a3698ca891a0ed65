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
      await transport.sendMail({ from: settings.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    },
    async verify() {
      await transport.verify()
      return `SMTP server ${settings.host}:${settings.port} answers${settings.user ? ` and accepts the login of ${settings.user}` : ''}`
    },
    close: () => transport.close(),
  }
}

/**
 * The embedded default: prints each mail and keeps it as an `.eml` file in the outbox folder, so links can be
 * copied from the terminal or opened in a mail program.
 */
export function createConsoleMailer(opts: { from: string; outboxDir: string; print: (text: string) => void }): Mailer {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    async send(message) {
      const info = await builder.sendMail({ from: opts.from, to: message.to, subject: message.subject, text: message.text, html: message.html })
      await mkdir(opts.outboxDir, { recursive: true })
      const file = join(opts.outboxDir, `${Date.now()}-${message.id}.eml`)
      await writeFile(file, info.message as Buffer)
      opts.print(`\n--- mail to ${message.to}: ${message.subject} (saved as ${file})\n${message.text}\n---\n`)
    },
    async verify() {
      await mkdir(opts.outboxDir, { recursive: true })
      await access(opts.outboxDir, constants.W_OK)
      return `console backend: mail is printed and kept in ${opts.outboxDir} (no SMTP server is used)`
    },
    close: () => builder.close(),
  }
}
