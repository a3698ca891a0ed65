import { SMTPServer } from 'smtp-server'
import { simpleParser } from 'mailparser'
import type { AddressInfo } from 'node:net'

export type CaughtMail = { to: string; subject: string; text: string; html: string; raw: string }

/** A real SMTP server in the test process: mail arrives over a socket, exactly as in production. */
export async function startSmtpSink(port = 0) {
  const mails: CaughtMail[] = []
  const waiters: { match: (m: CaughtMail) => boolean; resolve: (m: CaughtMail) => void }[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        simpleParser(raw).then((parsed) => {
          const to = [parsed.to].flat().flatMap((a) => a?.value ?? []).map((v) => v.address ?? '').join(',')
          const mail = { to, subject: parsed.subject ?? '', text: parsed.text ?? '', html: typeof parsed.html === 'string' ? parsed.html : '', raw }
          mails.push(mail)
          for (const w of [...waiters]) {
            if (w.match(mail)) {
              waiters.splice(waiters.indexOf(w), 1)
              w.resolve(mail)
            }
          }
          callback()
        }, callback)
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const address = server.server.address() as AddressInfo
  return {
    port: address.port,
    mails,
    /** Resolves with the first mail (already caught or still to come) that matches; rejects after `timeoutMs`. */
    waitFor(match: (m: CaughtMail) => boolean, timeoutMs = 10_000): Promise<CaughtMail> {
      const found = mails.find(match)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching mail arrived')), timeoutMs)
        waiters.push({ match, resolve: (m) => { clearTimeout(timer); resolve(m) } })
      })
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export type SmtpSink = Awaited<ReturnType<typeof startSmtpSink>>

/** The uid and token of the first link of `path` in a mail (`nl/activation/{uid}/{token}`). */
export function linkParts(mail: CaughtMail, path: string): { uid: string; token: string } {
  const match = new RegExp(`/${path}/([^/\\s]+)/([^/\\s]+)`).exec(mail.text)
  if (!match?.[1] || !match[2]) throw new Error(`no ${path} link in mail: ${mail.text}`)
  return { uid: match[1], token: match[2] }
}
