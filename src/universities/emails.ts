import { siteLink, siteValues } from '../links/site.ts'
import type { SiteInfo } from '../links/site.ts'
import type { MailMessage } from '../platform/mailer.ts'

// The mails of API.md §7 about universities and faculty: the subjects and links of the contract, the bodies from
// the templates (templates/mail/, or the operator's EMAIL_TEMPLATES_DIR). Pure functions: the caller queues them in
// the outbox, in the transaction of the change they announce.

export const APPROVAL_SUBJECT = 'University Approval Status Change'
export const FACULTY_ACCOUNT_SUBJECT = 'UniLink Account Created'

type Recipient = { email: string; firstName: string; username: string }

const person = (to: Recipient) => ({ first_name: to.firstName, username: to.username })

/** Approval: the admin account is active now and needs a first password. */
export function universityApprovedEmail(site: SiteInfo, to: Recipient, universityName: string, setPasswordPath: string): MailMessage {
  const values = { ...siteValues(site), ...person(to), university_name: universityName, url: siteLink(site, setPasswordPath) }
  return { to: to.email, ...site.mailTemplates.render('university-approved', APPROVAL_SUBJECT, values) }
}

export function universityDisapprovedEmail(site: SiteInfo, to: Recipient, universityName: string): MailMessage {
  const values = { ...siteValues(site), first_name: to.firstName, university_name: universityName }
  return { to: to.email, ...site.mailTemplates.render('university-disapproved', APPROVAL_SUBJECT, values) }
}

export function facultyAccountEmail(site: SiteInfo, to: Recipient, universityName: string, setPasswordPath: string): MailMessage {
  const values = { ...siteValues(site), ...person(to), university_name: universityName, url: siteLink(site, setPasswordPath) }
  return { to: to.email, ...site.mailTemplates.render('faculty-account', FACULTY_ACCOUNT_SUBJECT, values) }
}
