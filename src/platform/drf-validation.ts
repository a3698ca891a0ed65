import { AppError } from './errors.ts'
import type { FieldErrors } from './errors.ts'
import { isValidEmail } from './email-address.ts'
import { isValidHttpUrl } from './http-url.ts'

// Interprets the JSON Schema of a route's body or query string with Django REST framework's semantics, so the
// answers match the original backend: every invalid field reported at once, DRF's messages, strings trimmed,
// numbers accepted where strings belong (DRF's CharField does), "" as null for relations.

type JsonSchema = {
  type?: string
  properties?: Record<string, JsonSchema>
  required?: string[]
  anyOf?: JsonSchema[]
  maxLength?: number
  minLength?: number
  format?: string
  'x-pk'?: boolean
}

type FieldResult = { ok: true; value: unknown } | { ok: false; errors: string[] | FieldErrors; partial?: Record<string, unknown> }

const INT32_MAX = 2_147_483_647

// In a `u` regex a well-formed pair is one astral code point, so only a lone (unpaired) surrogate matches: JSON's
// `"\ud800"` escape can carry one, and neither database can store it (API.md §1: refused like a wrong type).
const LONE_SURROGATE = /\p{Cs}/u

/** Python's type names, as DRF puts them in its messages. */
function pythonTypeName(value: unknown): string {
  if (value === null) return 'NoneType'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (typeof value === 'string') return 'str'
  return 'dict'
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function validateString(schema: JsonSchema, raw: unknown): FieldResult {
  if (typeof raw !== 'string' && typeof raw !== 'number') return { ok: false, errors: ['Not a valid string.'] }
  if (typeof raw === 'number' && !Number.isFinite(raw)) return { ok: false, errors: ['Not a valid string.'] }
  if (typeof raw === 'string' && LONE_SURROGATE.test(raw)) return { ok: false, errors: ['Not a valid string.'] }
  const value = String(raw).trim()
  if (value === '' && (schema.minLength ?? 0) > 0) return { ok: false, errors: ['This field may not be blank.'] }
  const errors: string[] = []
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) {
    errors.push(`Ensure this field has no more than ${schema.maxLength} characters.`)
  }
  // DRF's ProhibitNullCharactersValidator; PostgreSQL could not store the character anyway.
  if (value.includes('\0')) errors.push('Null characters are not allowed.')
  if (schema.format === 'email' && !isValidEmail(value)) errors.push('Enter a valid email address.')
  // DRF's URLField; a blank value (where allowed) is no URL to check.
  if (schema.format === 'uri' && value !== '' && !isValidHttpUrl(value)) errors.push('Enter a valid URL.')
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value }
}

/** DRF's PrimaryKeyRelatedField: existence is checked by the service, except for ids no table can hold. */
function validatePk(raw: unknown): FieldResult {
  let id: number
  if (typeof raw === 'number' && Number.isInteger(raw)) id = raw
  else if (typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw)) id = Number(raw.trim())
  else return { ok: false, errors: [`Incorrect type. Expected pk value, received ${pythonTypeName(raw)}.`] }
  if (!Number.isSafeInteger(id) || id < 1 || id > INT32_MAX) {
    return { ok: false, errors: [`Invalid pk "${String(raw).trim()}" - object does not exist.`] }
  }
  return { ok: true, value: id }
}

/** DRF's IntegerField. */
function validateInteger(raw: unknown): FieldResult {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : ''
  if (typeof raw === 'boolean' || !/^[-+]?\d+(\.0*)?$/.test(text)) {
    return { ok: false, errors: ['A valid integer is required.'] }
  }
  const value = Number.parseInt(text, 10)
  return Number.isSafeInteger(value) ? { ok: true, value } : { ok: false, errors: ['A valid integer is required.'] }
}

function validateField(schema: JsonSchema, raw: unknown): FieldResult {
  const nullable = schema.anyOf?.some((s) => s.type === 'null') ?? false
  const inner = schema.anyOf?.find((s) => s.type !== 'null') ?? schema
  const isPk = schema['x-pk'] === true || inner['x-pk'] === true
  // DRF: "We force empty strings to None values for relational fields."
  if (isPk && raw === '') raw = null
  if (raw === null) return nullable ? { ok: true, value: null } : { ok: false, errors: ['This field may not be null.'] }
  if (isPk) return validatePk(raw)
  switch (inner.type) {
    case 'string':
      return validateString(inner, raw)
    case 'integer':
      return validateInteger(raw)
    case 'object':
      return validateObject(inner, raw)
    default:
      return { ok: true, value: raw }
  }
}

/** Validates an object; unknown keys are dropped (API.md §1: unknown fields are ignored). */
export function validateObject(
  schema: JsonSchema, data: unknown,
): { ok: true; value: Record<string, unknown> } | { ok: false; errors: FieldErrors; partial?: Record<string, unknown> } {
  if (data === undefined) data = {}
  if (!isPlainObject(data)) {
    return { ok: false, errors: { non_field_errors: [`Invalid data. Expected a dictionary, but got ${pythonTypeName(data)}.`] } }
  }
  const value: Record<string, unknown> = {}
  const errors: FieldErrors = {}
  // What passed inside a nested object whose other fields failed: its checks that need the database (a taken email)
  // still run, as DRF runs a nested serializer's field validators before reporting (see field-checks.ts).
  const nestedPartials: Record<string, unknown> = {}
  const required = new Set(schema.required ?? [])
  for (const [key, fieldSchema] of Object.entries(schema.properties ?? {})) {
    const raw = Object.hasOwn(data, key) ? data[key] : undefined
    if (raw === undefined) {
      if (required.has(key)) errors[key] = ['This field is required.']
      continue
    }
    const result = validateField(fieldSchema, raw)
    if (result.ok) {
      value[key] = result.value
    } else {
      errors[key] = result.errors
      if (result.partial !== undefined) nestedPartials[key] = result.partial
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors, partial: { ...value, ...nestedPartials } } : { ok: true, value }
}

/** Fastify validator compiler: runs DRF semantics and answers DRF's 400 shape. */
export function compileDrfValidator({ schema }: { schema: unknown }) {
  return (data: unknown) => {
    const result = validateObject(schema as JsonSchema, data)
    return result.ok ? { value: result.value } : { error: AppError.fields(result.errors, result.partial) }
  }
}
