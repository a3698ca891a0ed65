import type { MailTemplates } from '../mail/templates.ts'

// Where the links the service mails point (API.md §7): the accounts' and the universities' mails share it.

/** The site as its mails show it: name, address, and the templates loaded at start-up. */
export type SiteInfo = { siteName: string; protocol: string; domain: string; passwordResetConfirmUrl: string; mailTemplates: MailTemplates }

/** `{PROTOCOL}://{DOMAIN}/{path}` (API.md §7). */
export function siteLink(site: SiteInfo, path: string): string {
  return `${site.protocol}://${site.domain}/${path}`
}

/**
 * The path of a password-reset or set-password link: PASSWORD_RESET_CONFIRM_URL (Djoser's setting, default
 * `nl/password-reset/{uid}/{token}`, API.md §7) with the uid and token in it; `login/reset/{uid}/{token}/` is the hosted page.
 */
export function passwordResetPath(site: SiteInfo, uid: string, token: string): string {
  return site.passwordResetConfirmUrl.replaceAll('{uid}', uid).replaceAll('{token}', token)
}

/** The placeholders every template has: `{{ site_name }}`, `{{ site_url }}`. */
export function siteValues(site: SiteInfo) {
  return { site_name: site.siteName, site_url: siteLink(site, '') }
}
