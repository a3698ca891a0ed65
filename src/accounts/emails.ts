import type { MailMessage } from '../platform/mailer.ts'
import { passwordResetPath, siteLink, siteValues } from '../links/site.ts'
import type { SiteInfo } from '../links/site.ts'

// Djoser's mails (API.md §7): the subject and link of the contract, the bodies from the templates (templates/mail/,
// or the operator's EMAIL_TEMPLATES_DIR). Pure functions: the caller queues them in the outbox.

export function activationEmail(site: SiteInfo, to: string, uid: string, token: string): MailMessage {
  const url = siteLink(site, `nl/activation/${uid}/${token}`)
  return { to, ...site.mailTemplates.render('activation', `Account activation on ${site.siteName}`, { ...siteValues(site), url }) }
}

export function passwordResetEmail(site: SiteInfo, to: string, username: string, uid: string, token: string): MailMessage {
  const url = siteLink(site, passwordResetPath(site, uid, token))
  return { to, ...site.mailTemplates.render('password-reset', `Password reset on ${site.siteName}`, { ...siteValues(site), url, username }) }
}

export function emailResetEmail(site: SiteInfo, to: string, username: string, uid: string, token: string): MailMessage {
  const url = siteLink(site, `nl/email-reset/${uid}/${token}`)
  return { to, ...site.mailTemplates.render('email-reset', `Email reset on ${site.siteName}`, { ...siteValues(site), url, username }) }
}
