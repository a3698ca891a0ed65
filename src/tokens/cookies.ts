import type { FastifyReply } from 'fastify'
import type { Config } from '../config.ts'

type CookieSettings = Config['cookies']

function attributes(settings: CookieSettings) {
  return {
    httpOnly: true,
    path: '/',
    secure: settings.secure,
    sameSite: settings.sameSite.toLowerCase() as 'lax' | 'strict' | 'none',
  }
}

/**
 * Max-Age and the matching Expires, as Django's `set_cookie(max_age=…)` writes them (API.md §3): clients that predate
 * Max-Age read only Expires. @fastify/cookie writes Expires only when given one.
 */
export function setAuthCookies(reply: FastifyReply, settings: CookieSettings, tokens: { access: string; refresh?: string }): void {
  const lifetime = { ...attributes(settings), maxAge: settings.maxAge, expires: new Date(Date.now() + settings.maxAge * 1000) }
  reply.setCookie('access', tokens.access, lifetime)
  if (tokens.refresh !== undefined) reply.setCookie('refresh', tokens.refresh, lifetime)
}

/** Deletes with the same Path, SameSite and Secure as set: browsers ignore a cross-site deletion otherwise. */
export function clearAuthCookies(reply: FastifyReply, settings: CookieSettings): void {
  for (const name of ['access', 'refresh']) {
    reply.setCookie(name, '', { ...attributes(settings), maxAge: 0, expires: new Date(0) })
  }
}
