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

export function setAuthCookies(reply: FastifyReply, settings: CookieSettings, tokens: { access: string; refresh?: string }): void {
  reply.setCookie('access', tokens.access, { ...attributes(settings), maxAge: settings.maxAge })
  if (tokens.refresh !== undefined) reply.setCookie('refresh', tokens.refresh, { ...attributes(settings), maxAge: settings.maxAge })
}

/** Deletes with the same Path, SameSite and Secure as set: browsers ignore a cross-site deletion otherwise. */
export function clearAuthCookies(reply: FastifyReply, settings: CookieSettings): void {
  for (const name of ['access', 'refresh']) {
    reply.setCookie(name, '', { ...attributes(settings), maxAge: 0, expires: new Date(0) })
  }
}
