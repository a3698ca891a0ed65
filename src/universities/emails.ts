import type { SiteInfo } from '../accounts/emails.ts'
import type { MailMessage } from '../platform/mailer.ts'

// The mails of API.md §7 about universities and faculty, with a text and an HTML part. Pure functions: the
// caller queues them in the outbox, in the transaction of the change they announce.

export const APPROVAL_SUBJECT = 'University Approval Status Change'
export const FACULTY_ACCOUNT_SUBJECT = 'UniLink Account Created'

type Recipient = { email: string; firstName: string; username: string }

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function message(site: SiteInfo, to: Recipient, subject: string, paragraphs: string[], path?: string): MailMessage {
  const url = path === undefined ? undefined : `${site.protocol}://${site.domain}/${path}`
  const greeting = `Hello ${to.firstName},`
  const lines = [greeting, ...paragraphs]
  const text = `${lines.join('\n\n')}\n${url === undefined ? '' : `${url}\n`}\nThe ${site.siteName} team\n`
  const html = `<!doctype html>
<html><body style="font-family: sans-serif">
<h2>${escapeHtml(site.siteName)}</h2>
${lines.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
${url === undefined ? '' : `<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>\n`}<p>The ${escapeHtml(site.siteName)} team</p>
</body></html>
`
  return { to: to.email, subject, text, html }
}

/** Approval: the admin account is active now and needs a first password. */
export function universityApprovedEmail(site: SiteInfo, to: Recipient, universityName: string, setPasswordPath: string): MailMessage {
  return message(site, to, APPROVAL_SUBJECT, [
    `Your university "${universityName}" has been approved on ${site.siteName}, with you as its administrator.`,
    `Your username: ${to.username}`,
    'Please go to the following page to set the password of your account, then log in with your email address:',
  ], setPasswordPath)
}

export function universityDisapprovedEmail(site: SiteInfo, to: Recipient, universityName: string): MailMessage {
  return message(site, to, APPROVAL_SUBJECT, [
    `Your university "${universityName}" has been disapproved on ${site.siteName}.`,
    'Your administrator account has been deactivated. Please contact us if you think this is a mistake.',
  ])
}

export function facultyAccountEmail(site: SiteInfo, to: Recipient, universityName: string, setPasswordPath: string): MailMessage {
  return message(site, to, FACULTY_ACCOUNT_SUBJECT, [
    `A faculty account has been created for you at ${universityName} on ${site.siteName}.`,
    `Your username: ${to.username}`,
    'Please go to the following page to set your password, then log in with your email address:',
  ], setPasswordPath)
}
