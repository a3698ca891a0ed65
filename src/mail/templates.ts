import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../platform/env-parsers.ts'

// The bodies of the mails of API.md §7, as text and HTML files in templates/mail/. An operator may override any of
// them with a file of the same name in EMAIL_TEMPLATES_DIR. Placeholders are `{{ name }}`; in the HTML part every
// value is escaped, so a name like `<b>` can never become markup. Subjects and links are the contract's, in code.
// The HTML files hold each mail's own paragraphs; layout.html is the frame around all of them (header, footer,
// styles), filled with the site, the subject and, unescaped, the mail's rendered paragraphs as `{{ content }}`.

export const DEFAULT_TEMPLATES_DIR = new URL('../../templates/mail/', import.meta.url).pathname

const SITE = ['site_name', 'site_url'] as const

/** Every mail and the placeholders its templates may use. */
export const MAIL_TEMPLATES = {
  'activation': [...SITE, 'url'],
  'password-reset': [...SITE, 'url', 'username'],
  'email-reset': [...SITE, 'url', 'username'],
  'university-approved': [...SITE, 'url', 'first_name', 'username', 'university_name'],
  'university-disapproved': [...SITE, 'first_name', 'university_name'],
  'faculty-account': [...SITE, 'url', 'first_name', 'username', 'university_name'],
  'security-changed': [...SITE, 'username', 'change'],
} as const

const LAYOUT = { file: 'layout.html', placeholders: [...SITE, 'subject', 'content'] } as const

export type MailTemplateName = keyof typeof MAIL_TEMPLATES
export type MailValues<N extends MailTemplateName> = Record<(typeof MAIL_TEMPLATES)[N][number], string>
const PARTS = ['txt', 'html'] as const
type Part = (typeof PARTS)[number]

/** A template split at its placeholders: literal text at even indexes, placeholder names at odd ones. */
type Compiled = string[]

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function compile(file: string, source: string, allowed: readonly string[]): Compiled {
  const pieces = source.split(PLACEHOLDER)
  for (let i = 1; i < pieces.length; i += 2) {
    if (!allowed.includes(pieces[i] ?? '')) {
      throw new ConfigError('EMAIL_TEMPLATES_DIR', `${file}: unknown placeholder {{ ${pieces[i]} }} (known: ${allowed.join(', ')})`)
    }
  }
  // A `{{` left over is a placeholder mistyped (`{{ Site_Name }}`, `{{url}`): refused rather than mailed as it is.
  const stray = pieces.filter((_, i) => i % 2 === 0).find((text) => text.includes('{{') || text.includes('}}'))
  if (stray !== undefined) throw new ConfigError('EMAIL_TEMPLATES_DIR', `${file}: malformed placeholder near "${stray.trim().slice(0, 40)}"`)
  return pieces
}

function fill(template: Compiled, values: Record<string, string>, escape: (text: string) => string, raw: Record<string, string> = {}): string {
  return template.map((piece, i) => (i % 2 === 0 ? piece : raw[piece] ?? escape(values[piece] ?? ''))).join('')
}

/** Checks an operator's folder: it exists, and holds no file that would silently be ignored (a misspelt name). */
function checkOverrideDir(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError('EMAIL_TEMPLATES_DIR', `is not a directory: ${dir}`)
  const known = [...Object.keys(MAIL_TEMPLATES).flatMap((name) => PARTS.map((part) => `${name}.${part}`)), LAYOUT.file]
  const unknown = readdirSync(dir).filter((file) => /\.(txt|html)$/.test(file) && !known.includes(file))
  if (unknown.length > 0) throw new ConfigError('EMAIL_TEMPLATES_DIR', `has files no mail uses: ${unknown.join(', ')} (known: ${known.join(', ')})`)
}

/**
 * Reads and checks every template once, at start-up: the operator's file where there is one, ours otherwise. A bad
 * template stops the start with its file named, instead of failing each mail later.
 */
export function loadMailTemplates(overrideDir?: string) {
  if (overrideDir !== undefined) checkOverrideDir(overrideDir)
  const read = (fileName: string, allowed: readonly string[]): Compiled => {
    const own = overrideDir === undefined ? undefined : join(overrideDir, fileName)
    const file = own !== undefined && existsSync(own) ? own : join(DEFAULT_TEMPLATES_DIR, fileName)
    return compile(file, readFileSync(file, 'utf8'), allowed)
  }
  const compiled = new Map<string, Compiled>()
  for (const [name, allowed] of Object.entries(MAIL_TEMPLATES)) {
    for (const part of PARTS) compiled.set(`${name}.${part}`, read(`${name}.${part}`, allowed))
  }
  const layout = read(LAYOUT.file, LAYOUT.placeholders)
  const part = (name: string, which: Part) => compiled.get(`${name}.${which}`) ?? []

  return {
    /** A mail's subject, its text part (values as they are) and its HTML part (values escaped, in the layout). */
    render<N extends MailTemplateName>(name: N, subject: string, values: MailValues<N>): { subject: string; text: string; html: string } {
      const site = values as Record<(typeof SITE)[number], string>
      const content = fill(part(name, 'html'), values, escapeHtml).trimEnd()
      return {
        subject,
        text: fill(part(name, 'txt'), values, (v) => v),
        html: fill(layout, { site_name: site.site_name, site_url: site.site_url, subject }, escapeHtml, { content }),
      }
    },
  }
}

export type MailTemplates = ReturnType<typeof loadMailTemplates>
