import type { FastifyRequest } from 'fastify'
import { AppError } from '../errors.ts'
import type { FieldErrors } from '../errors.ts'

/**
 * DRF runs every field-level check (including uniqueness, related ids and the current password, which need the
 * database) before reporting, so one answer lists every bad field. Routes that have such checks declare
 * `attachValidation: true` and hand the service what passed plus the schema's errors.
 */
export type Parsed<T> = { value: Partial<T>; errors: FieldErrors }
// A nested object in `value` may be partial too (what passed of it) when `errors` names it: `complete` throws then.

export function parsedBody<T>(request: FastifyRequest): Parsed<T> {
  const error = request.validationError
  if (error === undefined) return { value: request.body as Partial<T>, errors: {} }
  if (error instanceof AppError && error.partial !== undefined) {
    return { value: error.partial as Partial<T>, errors: { ...(error.body as FieldErrors) } }
  }
  throw error
}

/** Throws the collected field errors, if any. */
export function throwFieldErrors(errors: FieldErrors): void {
  if (Object.keys(errors).length > 0) throw AppError.fields(errors)
}

/** Narrows after `throwFieldErrors`: every field passed. */
export function complete<T>(parsed: Parsed<T>): T {
  throwFieldErrors(parsed.errors)
  return parsed.value as T
}
