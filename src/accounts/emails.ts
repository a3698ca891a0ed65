import type { MailMessage } from '../platform/mailer.ts'

// Djoser's mail texts (API.md §7), with an HTML part. Pure functions: the caller queues them in the outbox.

export type SiteInfo = { siteName: string; protocol: string; domain: string }

function link(site: SiteInfo, path: string): string {
  return `${site.protocol}://${site.domain}/${path}`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function html(site: SiteInfo, paragraphs: string[], url: string): string {
  const body = paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')
  return `<!doctype html>
<html><body style="font-family: sans-serif">
<h2>${escapeHtml(site.siteName)}</h2>
${body}
<p><a href="${escapeHtml(url)}">${escapeHtml(url)}</a></p>
<p>Thanks for using our site!<br>The ${escapeHtml(site.siteName)} team</p>
</body></html>
`
}

function message(to: string, subject: string, site: SiteInfo, paragraphs: string[], url: string): MailMessage {
  const text = `${paragraphs.join('\n\n')}\n${url}\n\nThanks for using our site!\n\nThe ${site.siteName} team\n`
  return { to, subject, text, html: html(site, paragraphs, url) }
}

export function activationEmail(site: SiteInfo, to: string, uid: string, token: string): MailMessage {
  return message(to, `Account activation on ${site.siteName}`, site, [
    `You're receiving this email because you need to finish activation process on ${site.siteName}.`,
    'Please go to the following page to activate account:',
  ], link(site, `nl/activation/${uid}/${token}`))
}

export function passwordResetEmail(site: SiteInfo, to: string, username: string, uid: string, token: string): MailMessage {
  return message(to, `Password reset on ${site.siteName}`, site, [
    `You're receiving this email because you requested a password reset for your user account at ${site.siteName}.`,
    `Your username, in case you've forgotten: ${username}`,
    'Please go to the following page and choose a new password:',
  ], link(site, `nl/password-reset/${uid}/${token}`))
}

export function emailResetEmail(site: SiteInfo, to: string, username: string, uid: string, token: string): MailMessage {
  return message(to, `Email reset on ${site.siteName}`, site, [
    `You're receiving this email because you requested an email reset for your user account at ${site.siteName}.`,
    `Your username, in case you've forgotten: ${username}`,
    'Please go to the following page and choose a new email:',
  ], link(site, `nl/email-reset/${uid}/${token}`))
}
