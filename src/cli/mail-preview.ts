import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { activationEmail, emailResetEmail, passwordResetEmail } from '../accounts/emails.ts'
import { passwordResetPath } from '../links/site.ts'
import type { SiteInfo } from '../links/site.ts'
import { escapeHtml, loadMailTemplates, MAIL_TEMPLATES } from '../mail/templates.ts'
import type { MailTemplateName } from '../mail/templates.ts'
import type { MailMessage } from '../platform/mailer.ts'
import { facultyAccountEmail, universityApprovedEmail, universityDisapprovedEmail } from '../universities/emails.ts'
import type { Out } from './run-command.ts'

export const MAIL_PREVIEW_USAGE = `Usage: npm run cli -- mail-preview [--out DIR]   (or: npm run mail:preview -- ...)

Renders every mail with sample data, as the service would send it (SITE_NAME, PROTOCOL, DOMAIN and
EMAIL_TEMPLATES_DIR from the environment or .env.local), to DIR (default DATA_DIR/mail-preview): NAME.txt and
NAME.html per mail, and index.html to browse them.`

// Sample values, with characters that must be escaped in HTML, so the preview shows that they are.
import { securityChangedEmail } from '../mfa/emails.ts'
const UID = 'NQ'
const TOKEN = 'cbkmx4-6a0e1e5bdc3c2f9a8d1e'
const admin = { email: 'grace@kings.example.edu', firstName: 'Grace', username: 'grace.hopper' }
const UNIVERSITY = "King's College <London>"

/** One sample per template: the compiler checks that none is left out. */
function samples(site: SiteInfo): Record<MailTemplateName, MailMessage> {
  return {
    'activation': activationEmail(site, 'ada@example.com', UID, TOKEN),
    'password-reset': passwordResetEmail(site, 'ada@example.com', 'ada.lovelace', UID, TOKEN),
    'email-reset': emailResetEmail(site, 'ada@example.com', 'ada.lovelace', UID, TOKEN),
    'university-approved': universityApprovedEmail(site, admin, UNIVERSITY, passwordResetPath(site, UID, TOKEN)),
    'university-disapproved': universityDisapprovedEmail(site, admin, UNIVERSITY),
    'faculty-account': facultyAccountEmail(
      site,
      { email: 'alan@kings.example.edu', firstName: 'Alan', username: 'alan.turing' },
      UNIVERSITY,
      passwordResetPath(site, UID, TOKEN),
    ),
    'security-changed': securityChangedEmail(site, 'ada@example.com', 'ada.lovelace', { kind: 'passkey_added', name: 'Laptop' }),
  }
}

function indexPage(site: SiteInfo, mails: Record<string, MailMessage>): string {
  const rows = Object.entries(mails).map(([name, mail]) =>
    `<tr><td>${name}</td><td>${escapeHtml(mail.subject)}</td><td>${escapeHtml(mail.to)}</td>`
    + `<td><a href="${name}.html">HTML</a> · <a href="${name}.txt">text</a></td></tr>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(site.siteName)} mails</title></head>
<body style="font-family: sans-serif; margin: 2em">
<h1>${escapeHtml(site.siteName)} mails</h1>
<table cellpadding="6"><tr><th align="left">template</th><th align="left">subject</th><th align="left">to</th><th></th></tr>
${rows}
</table>
</body></html>
`
}

/** `mail-preview`: every mail of API.md §7 rendered to files, for a look before they go out. */
export async function mailPreview(args: string[], out: Out): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, help: { type: 'boolean', default: false } } })
  if (values.help) return out(MAIL_PREVIEW_USAGE)
  const config = loadConfig(readEnvironment())
  const site = { siteName: config.siteName, protocol: config.protocol, domain: config.domain,
    passwordResetConfirmUrl: config.passwordResetConfirmUrl, mailTemplates: loadMailTemplates(config.email.templatesDir) }
  const dir = resolve(values.out ?? join(config.dataDir, 'mail-preview'))
  mkdirSync(dir, { recursive: true })
  const mails = samples(site)
  for (const name of Object.keys(MAIL_TEMPLATES) as MailTemplateName[]) {
    writeFileSync(join(dir, `${name}.txt`), `Subject: ${mails[name].subject}\nTo: ${mails[name].to}\n\n${mails[name].text}`)
    writeFileSync(join(dir, `${name}.html`), mails[name].html)
  }
  writeFileSync(join(dir, 'index.html'), indexPage(site, mails))
  out(`Wrote ${Object.keys(mails).length} mails (text and HTML) to ${dir}; open ${join(dir, 'index.html')}.`)
}
