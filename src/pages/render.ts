import type { FastifyReply, FastifyRequest } from 'fastify'
import { Eta } from 'eta'
import type { PageError } from '../platform/http/error-rendering.ts'
import type { User } from '../accounts/user.ts'
import type { HashedAssets } from './assets.ts'
import { adminRoleOf } from './session.ts'

const TEMPLATES = new URL('../../templates/pages/', import.meta.url).pathname

/** A form's state on the page: what was typed (never a password) and what was wrong with it. */
export type FormState = { values?: Record<string, unknown>; error?: PageError }

/** Fixed messages shown after a redirect (`?notice=...`): no user input is ever echoed back through the URL. */
const NOTICES: Record<string, string> = {
  'signed-out': 'You are signed out.',
  'signed-out-everywhere': 'You are signed out on every device.',
  'session-revoked': 'That session is signed out.',
  'profile': 'Your profile is saved.',
  'password': 'Your password is changed. Your other sessions were signed out.',
  'email-link': 'We sent a link to your email address. Follow it to choose the new address.',
  'email-changed': 'Your email address is changed. Sign in with the new address.',
  'reset-sent': 'If an account with that email exists, we sent it a link to choose a new password.',
  'password-reset': 'Your password is set. Sign in with it.',
  'deleted': 'Your account is deleted.',
  'totp-disabled': 'The authenticator app is turned off. Your other sessions were signed out.',
  'passkey-added': 'The passkey is added. Your other sessions were signed out.',
  'passkey-renamed': 'The passkey is renamed.',
  'passkey-removed': 'The passkey is removed. Your other sessions were signed out.',
  'approved': 'The university is approved; its admin was mailed a link to set a password.',
  'disapproved': 'The university is disapproved; its admin account is deactivated.',
  'banned': 'The university is banned.',
  'unbanned': 'The university is no longer banned.',
  'activated': 'The account is active.',
  'deactivated': 'The account is deactivated; its sessions ended.',
  'type-changed': 'The user type is changed.',
  'user-session-revoked': 'The session is revoked.',
  'mfa-reset': 'Two-factor authentication is reset: the user\'s second factors are removed, their sessions ended, and they were mailed.',
  'webhook-deleted': 'The webhook endpoint is deleted.',
  'retried': 'The mail is due again; it is sent at the next poll.',
  'faculty-added': 'The faculty member is added and was mailed a link to set a password.',
  'faculty-removed': 'The faculty member is removed.',
  'department-added': 'The department is added.',
  'department-removed': 'The department is deleted.',
}

/** Times as the pages show them: to the minute, in UTC (the server cannot know the reader's zone without script). */
const time = (ms: number | null | undefined): string =>
  (ms === null || ms === undefined ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`)

export const USER_TYPE_NAMES = ['Site admin', 'University admin', 'Moderator', 'Faculty', 'Representative', 'Student']

/**
 * The pages' templates (templates/pages/), compiled once and cached by eta. eta escapes every `<%= %>` (HTML
 * entities for & < > " '); raw output `<%~ %>` is used only for the layout's body, which the templates wrote.
 */
export function createRenderer(opts: { siteName: string; assets: HashedAssets }) {
  const eta = new Eta({ views: TEMPLATES, cache: true, autoTrim: [false, 'nl'] })
  // eta resolves a template's path on every render and include (path.join, path.relative, a JSON.stringify'd cache
  // key): about a tenth of GET /login/'s CPU in a profile. The templates are fixed at start-up, so each (includer,
  // name) pair is resolved once.
  const resolvePath = eta.resolvePath
  if (resolvePath !== null) {
    const resolved = new Map<string, string>()
    eta.resolvePath = function memoised(template, options) {
      const key = `${options?.filepath ?? ''}\0${template}`
      let path = resolved.get(key)
      if (path === undefined) resolved.set(key, path = resolvePath.call(this, template, options))
      return path
    }
  }

  return function render(
    request: FastifyRequest, reply: FastifyReply,
    view: string, data: { user?: User | null; title: string; status?: number; [key: string]: unknown },
  ): FastifyReply {
    const notice = typeof (request.query as Record<string, unknown> | undefined)?.notice === 'string'
      ? NOTICES[(request.query as Record<string, string>).notice ?? ''] : undefined
    const user = data.user ?? null
    const html = eta.render(view, {
      siteName: opts.siteName, assets: opts.assets.urls, csrf: reply.generateCsrf(), notice, path: request.url.split('?')[0],
      adminRole: user === null ? null : adminRoleOf(user.userType), userTypeNames: USER_TYPE_NAMES, time, ...data, user,
    })
    return reply.code(data.status ?? 200).type('text/html; charset=utf-8').send(html)
  }
}

export type Render = ReturnType<typeof createRenderer>
