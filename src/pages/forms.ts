import type { FastifyReply, FastifyRequest } from 'fastify'
import { AppError } from '../platform/errors.ts'
import { pageErrorOf } from '../platform/http/error-rendering.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import { parsedBody } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'

/** Shows a form again with an error: a route's own page for errors met before its handler ran (429, CSRF). */
export type ErrorPage = (request: FastifyRequest, reply: FastifyReply, error: PageError) => FastifyReply | Promise<FastifyReply>

/** Route config of a page: where a POST goes back to (sign-in, re-authentication), and how its errors are shown. */
export type PageRouteConfig = { returnTo?: string; errorPage?: ErrorPage }

declare module 'fastify' {
  interface FastifyContextConfig {
    returnTo?: string
    errorPage?: ErrorPage
  }
}

/** What was typed, to fill the form again; never a password or the CSRF token. */
export function typedValues(request: FastifyRequest): Record<string, string> {
  const body = (request.body ?? {}) as Record<string, unknown>
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(body)) {
    if (!/password|_csrf|token/.test(key) && (typeof value === 'string' || typeof value === 'number')) values[key] = String(value)
  }
  return values
}

/**
 * Runs a service call of a form; its typed error (API.md §2's messages) comes back to be shown in the form, exactly
 * as the JSON route would have answered it. Anything else is a real failure and goes to the error handler.
 */
export async function attempt<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: PageError }> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    if (error instanceof AppError && error.statusCode < 500) return { ok: false, error: pageErrorOf(error) }
    throw error
  }
}

/** The body as the JSON routes see it (attachValidation): what passed, and the field errors of what did not. */
export function formBody<T>(request: FastifyRequest): Parsed<T> {
  return parsedBody<T>(request)
}

/** A browser's answer as the passkey script put it in the form: its JSON, or null (a failed ceremony for the service). */
export function credentialOf(raw: unknown): unknown {
  if (typeof raw !== 'string') return null
  try {
    return JSON.parse(raw) as unknown
  } catch {
    return null
  }
}
