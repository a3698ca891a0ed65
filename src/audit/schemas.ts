import { Type } from '@sinclair/typebox'
import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { MESSAGES } from '../platform/http/messages.ts'
import { AUDIT_TYPES, isAuditType } from './event-types.ts'
import type { AuditType } from './event-types.ts'
import type { AuditFilters, AuditPosition } from './store.ts'

/** The query string of GET /api/audit/ as documented; parseAuditQuery reads it (`type` repeats). */
export const AuditQuery = Type.Object({
  user_id: Type.Optional(Type.String({ description: 'Events concerning this user id.' })),
  type: Type.Optional(Type.String({ description: 'An event type; repeat the parameter for several (`?type=a&type=b`).', enum: AUDIT_TYPES })),
  since: Type.Optional(Type.String({ description: 'ISO-8601 date-time: events at or after it.', format: 'date-time' })),
  until: Type.Optional(Type.String({ description: 'ISO-8601 date-time: events at or before it.', format: 'date-time' })),
  cursor: Type.Optional(Type.String({ description: 'The opaque position of a `next` link.' })),
}, { additionalProperties: true })

// DRF's DateTimeField with input format iso-8601, as django.utils.dateparse reads it; a time without offset is UTC.
const ISO_DATETIME = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,6})\d*)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i
const DATETIME_FORMAT = 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'
const INT32_MAX = 2_147_483_647
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

function parseDateTime(text: string): number | null {
  const match = ISO_DATETIME.exec(text.trim())
  if (match === null) return null
  const [, year, month, day, hour, minute, second = '00', fraction = '', offset = 'Z'] = match
  const zone = offset.toUpperCase() === 'Z' ? 'Z' : offset.length === 3 ? `${offset}:00` : `${offset.slice(0, 3)}:${offset.slice(-2)}`
  const ms = fraction.padEnd(3, '0').slice(0, 3)
  const at = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${ms}${zone}`)
  // Date.parse rolls 2026-02-30 over to March; DRF refuses it.
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)))
  return Number.isNaN(at) || date.getUTCDate() !== Number(day) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59 ? null : at
}

/** A `next` link's cursor: the (at, id) of the last event of the page, opaque to clients. */
export function encodeCursor(position: AuditPosition): string {
  return Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url')
}

function decodeCursor(text: string): AuditPosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
    if (!Array.isArray(value) || value.length !== 2) return null
    const [at, id] = value as unknown[]
    return Number.isSafeInteger(at) && typeof at === 'number' && at >= 0 && typeof id === 'string' && ULID.test(id) ? { at, id } : null
  } catch {
    return null
  }
}

export type AuditQueryValues = { filters: AuditFilters; before: AuditPosition | undefined }

/**
 * The filters of API.md §13 from the raw query string (`type` may repeat, which the service's query parser, DRF's
 * last-value rule, would hide). Every bad value is reported at once, in DRF's field-error shape; never a 500.
 */
export function parseAuditQuery(search: URLSearchParams, opts: { userFilter: boolean }): AuditQueryValues {
  const errors: FieldErrors = {}
  const filters: AuditFilters = {}
  const userId = search.get('user_id')
  if (opts.userFilter && userId !== null && userId.trim() !== '') {
    // DRF's IntegerField: digits, a sign, and a decimal part of zeros only ("7.0").
    const id = /^\s*[-+]?\d+(\.0*)?\s*$/.test(userId) ? Number.parseInt(userId, 10) : Number.NaN
    if (Number.isNaN(id)) errors.user_id = [MESSAGES.invalidInteger]
    // An id no integer column holds names nobody: an empty page, not a database error.
    else filters.userId = id >= 1 && id <= INT32_MAX ? id : -1
  }
  const types = search.getAll('type').flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '')
  const unknown = types.filter((t) => !isAuditType(t))
  if (unknown.length > 0) errors.type = unknown.map((t) => `Select a valid choice. ${t} is not one of the available choices.`)
  else if (types.length > 0) filters.types = [...new Set(types)] as AuditType[]
  for (const field of ['since', 'until'] as const) {
    const text = search.get(field)
    if (text === null || text.trim() === '') continue
    const at = parseDateTime(text)
    if (at === null) errors[field] = [DATETIME_FORMAT]
    else filters[field] = at
  }
  const cursorText = search.get('cursor')
  const before = cursorText === null || cursorText === '' ? undefined : decodeCursor(cursorText) ?? undefined
  if (cursorText !== null && cursorText !== '' && before === undefined) errors.cursor = ['Invalid cursor.']
  if (Object.keys(errors).length > 0) throw AppError.fields(errors)
  return { filters, before }
}
