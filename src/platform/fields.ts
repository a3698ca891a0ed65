import { Type } from '@sinclair/typebox'
import type { TProperties, TSchema } from '@sinclair/typebox'

// Schema builders for request bodies and query strings. They produce plain JSON Schema (for documentation and
// types), which `drf-validation.ts` interprets with Django REST framework's field semantics.

/** DRF's CharField: trimmed, blank refused unless allowed, length counted in code points. */
export function CharField(opts: { maxLength?: number; allowBlank?: boolean } = {}) {
  return Type.String({
    ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
    ...(opts.allowBlank ? {} : { minLength: 1 }),
  })
}

export function EmailField(opts: { maxLength?: number } = {}) {
  return Type.String({ format: 'email', minLength: 1, ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}) })
}

/** DRF's URLField: a CharField holding an http(s) URL (API.md §1); webhook and redirect URLs use it too. */
export function UrlField(opts: { maxLength?: number; allowBlank?: boolean } = {}) {
  return Type.String({
    format: 'uri',
    ...(opts.maxLength !== undefined ? { maxLength: opts.maxLength } : {}),
    ...(opts.allowBlank ? {} : { minLength: 1 }),
  })
}

/** DRF's PrimaryKeyRelatedField(allow_null=True): an id, a numeric string, or null / "" for none. */
export function NullablePkField() {
  return Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { 'x-pk': true })
}

/** DRF's PrimaryKeyRelatedField: an id or a numeric string. */
export function PkField() {
  return Type.Integer({ minimum: 1, 'x-pk': true })
}

/** DRF's IntegerField, e.g. `user_id` in a query string. */
export function IntegerField() {
  return Type.Integer()
}

export function Optional<T extends TSchema>(schema: T) {
  return Type.Optional(schema)
}

export function Body<T extends TProperties>(properties: T) {
  return Type.Object(properties)
}

