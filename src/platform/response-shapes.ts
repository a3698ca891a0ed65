import { Type } from '@sinclair/typebox'
import type { TProperties } from '@sinclair/typebox'

// Response schemas of the OpenAPI document (openapi.ts), in the contract's shapes (API.md §2). They document the
// answers; they do not write them: app.ts serialises every body with JSON.stringify, so the bytes on the wire are
// the serialisers' (serialize.ts) whatever a schema here says.

const Messages = Type.Array(Type.String())

/** A JSON object answer, e.g. a user; `description` becomes the response's description in the document. */
export function JsonObject<T extends TProperties>(title: string, description: string, properties: T) {
  return Type.Object(properties, { title, description })
}

/** `{"detail": "..."}`, with the exact message of the contract as the example. */
export function DetailJson(description: string, detail: string) {
  return Type.Object({ detail: Type.String() }, { title: 'Detail', description, examples: [{ detail }] })
}

/** SimpleJWT's token errors: `{"detail": "...", "code": "token_not_valid"}`. */
export function TokenErrorJson(description: string, detail: string) {
  return Type.Object({ detail: Type.String(), code: Type.Literal('token_not_valid') },
    { title: 'TokenError', description, examples: [{ detail, code: 'token_not_valid' }] })
}

/** DRF's field errors: `{"<field>": ["message", ...]}`, nested for nested objects, or `non_field_errors`. */
export function FieldErrorsJson(description: string, example: Record<string, unknown>) {
  return Type.Object({}, {
    title: 'FieldErrors', description, examples: [example],
    additionalProperties: Type.Union([Messages, Type.Object({}, { additionalProperties: true, description: 'errors of a nested object' })]),
  })
}

/** The original project's own answers: `{"status": "success" | "error", "message": "..."}`. */
export function StatusMessageJson(description: string, status: 'success' | 'error', message: string) {
  return Type.Object({ status: Type.String(), message: Type.String() },
    { title: 'StatusMessage', description, examples: [{ status, message }] })
}

/** `400` of a body or query string that fails validation (API.md §1, §2). */
export function BadRequestJson(example: Record<string, unknown> = { email: ['This field is required.'] }) {
  return Type.Union([
    FieldErrorsJson('field errors', example),
    Type.Object({ detail: Type.String() }, { title: 'Detail', description: 'a body that cannot be parsed' }),
  ], {
    description: 'Invalid input: `{"<field>": ["message", ...]}` for every invalid field (nested for nested objects), '
      + '`{"non_field_errors": [...]}` for cross-field checks, or `{"detail": "JSON parse error - ..."}` for a body that is not JSON.',
    examples: [example],
  })
}

/** `204 No Content`: no body (documented as `null`; typed as nothing, so handlers call `send()` without one). */
export function NoContent(description: string) {
  return Type.Unsafe<undefined>(Type.Null({ description }))
}
