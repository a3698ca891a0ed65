import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from './errors.ts'

// Django's Host validation (django/http/request.py, 4.2: split_domain_port, validate_host, is_same_domain), so that
// ALLOWED_HOSTS means what it meant to the original deployment (API.md §1).
const HOST_RE = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/

/** The lower-cased domain of a `Host` value without its port and trailing dot; '' for a malformed one. */
export function domainOfHost(host: string): string {
  const match = HOST_RE.exec(host.toLowerCase())
  return match === null ? '' : (match[1] ?? '').replace(/\.$/, '')
}

/** `*` is any host, `.example.edu` that domain and its subdomains, anything else that exact name. */
export function isAllowedHost(domain: string, patterns: readonly string[]): boolean {
  if (domain === '') return false
  return patterns.some((raw) => {
    const pattern = raw.toLowerCase()
    if (pattern === '*') return true
    if (pattern.startsWith('.')) return domain.endsWith(pattern) || domain === pattern.slice(1)
    return domain === pattern
  })
}

/**
 * Refuses, before anything else reads it, a request whose Host (or, from a trusted proxy, X-Forwarded-Host) is not in
 * ALLOWED_HOSTS: the absolute URLs we build (`profile_picture`) and the own origin of the CSRF check come from it, so a
 * forged Host would poison caches and links and make a cross-site request look same-origin. A request without a Host
 * is refused too. The answer carries the CORS headers of any answer (API.md §9); preflights are checked as well.
 */
export function installHostValidation(
  app: FastifyInstance, allowedHosts: readonly string[], stampCors: (request: FastifyRequest, reply: FastifyReply) => void,
): void {
  const anyHost = allowedHosts.includes('*')
  app.addHook('onRequest', (request, reply, done) => {
    if (anyHost || isAllowedHost(domainOfHost(request.host), allowedHosts)) return done()
    stampCors(request, reply)
    done(AppError.badRequest('Invalid Host header.', 'INVALID_HOST'))
  })
}
