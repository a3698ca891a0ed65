import type { MailMessage } from '../platform/mailer.ts'
import { siteValues } from '../links/site.ts'
import type { SiteInfo } from '../links/site.ts'

// API.md §12: every enrolment or removal of a factor, each use of a recovery code and an operator's reset mail the
// user. The mail names what changed and nothing secret (no code, no secret, no link that acts).

export type SecurityChange =
  | { kind: 'totp_enabled' } | { kind: 'totp_disabled' }
  | { kind: 'passkey_added'; name: string } | { kind: 'passkey_removed'; name: string }
  | { kind: 'recovery_codes_regenerated' } | { kind: 'recovery_code_used'; left: number }
  | { kind: 'reset_by_admin' }

function describe(change: SecurityChange): string {
  switch (change.kind) {
    case 'totp_enabled': return 'An authenticator app (TOTP) was set up as a second factor.'
    case 'totp_disabled': return 'The authenticator app (TOTP) was removed from your second factors.'
    case 'passkey_added': return `A passkey was added: "${change.name}".`
    case 'passkey_removed': return `A passkey was removed: "${change.name}".`
    case 'recovery_codes_regenerated': return 'New recovery codes were made; the old ones no longer work.'
    case 'recovery_code_used': return `A recovery code was used to sign in; ${change.left} recovery codes are left.`
    case 'reset_by_admin': return 'An administrator removed every second factor of your account and signed you out everywhere.'
  }
}

export function securityChangedEmail(site: SiteInfo, to: string, username: string, change: SecurityChange): MailMessage {
  const subject = `Security settings changed on ${site.siteName}`
  return { to, ...site.mailTemplates.render('security-changed', subject, { ...siteValues(site), username, change: describe(change) }) }
}
