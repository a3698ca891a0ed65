import type { FastifyInstance, onSendHookHandler, preValidationHookHandler } from 'fastify'
import csrfProtection from '@fastify/csrf-protection'
import type { Config } from '../config.ts'
import { assertTrustedOrigin } from '../platform/http/csrf.ts'

/** API.md §14: nothing but this origin's own files; no inline script or style, no framing, forms post here only. */
export const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
  + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

/** Security headers on every answer of the pages plugin (HTML pages and their assets). */
export const securityHeaders: onSendHookHandler = (_request, reply, payload, done) => {
  reply.header('content-security-policy', PAGE_CSP)
  reply.header('x-content-type-options', 'nosniff')
  reply.header('referrer-policy', 'same-origin')
  reply.header('x-frame-options', 'DENY')
  // A page holds the user's data and a CSRF token: never kept by a shared cache or the back-forward cache of a
  // browser someone else uses next. The hashed assets set their own long-lived Cache-Control.
  if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) reply.header('cache-control', 'no-store')
  done(null, payload)
}

/**
 * CSRF protection of every form (API.md §11, §14), in two layers. The Origin check of platform/http/csrf.ts, with
 * only this service's own origin trusted (the web client's CORS origins have no business posting our forms); and a
 * token in each form, bound to a secret in the `_csrf` cookie (@fastify/csrf-protection, double submit signed with
 * that secret), which a cross-site page cannot read. Runs in preValidation: the token is a field of the raw body.
 */
export async function installFormProtection(app: FastifyInstance, config: Config): Promise<preValidationHookHandler> {
  await app.register(csrfProtection, {
    cookieKey: '_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: config.cookies.secure },
    getToken: (request) => {
      const token = (request.body as Record<string, unknown> | undefined)?._csrf
      return typeof token === 'string' ? token : undefined
    },
  })
  return (request, reply, done) => {
    try {
      assertTrustedOrigin(request, [])
    } catch (error) {
      done(error as Error)
      return
    }
    app.csrfProtection(request, reply, done)
  }
}
