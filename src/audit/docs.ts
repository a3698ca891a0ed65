import { Type } from '@sinclair/typebox'
import { BadRequestJson, DetailJson } from '../platform/response-shapes.ts'
import { taggedDocs } from '../platform/openapi.ts'
import { AUDIT_TYPES } from './event-types.ts'

// What the OpenAPI document says of the audit routes (API.md §13). Shared answers (401, 429, ...) come from platform/openapi.ts.

const AuditEventJson = Type.Object({
  id: Type.String({ description: 'A ULID: sortable by time.' }),
  at: Type.String({ format: 'date-time' }),
  type: Type.String({ enum: AUDIT_TYPES }),
  actor_id: Type.Union([Type.Integer(), Type.Null()], { description: 'Who did it; null when anonymous or the command line.' }),
  user_id: Type.Union([Type.Integer(), Type.Null()], { description: 'Whom it concerns.' }),
  university_id: Type.Union([Type.Integer(), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  session_id: Type.Union([Type.String(), Type.Null()]),
  data: Type.Object({}, { additionalProperties: true, description: 'Details; never a password, token, code, secret or hash.' }),
}, { title: 'AuditEvent' })

const PageJson = Type.Object({
  results: Type.Array(AuditEventJson),
  next: Type.Union([Type.String({ format: 'uri' }), Type.Null()], { description: 'The next (older) page, with the same filters.' }),
}, { title: 'AuditPage', description: 'Newest first, 50 a page; the cursor is stable while events are added.' })

const badFilter = BadRequestJson({ since: ['Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'] })

export const docs = taggedDocs('audit', {
  list: {
    summary: 'The audit log',
    description: 'Site admins. Filters: `user_id`, `type` (repeatable), `since`, `until` (ISO-8601; without an offset, UTC). '
      + 'A bad filter or a forged cursor is a field error.',
    response: { 200: PageJson, 400: badFilter, 403: DetailJson('Not a site admin.', 'You do not have permission to perform this action.') },
  },
  activity: {
    summary: 'The signed-in user\'s security history',
    description: 'The events whose `user_id` is the caller, with the filters of GET /api/audit/ (`user_id` ignored). Of what '
      + 'someone else did to the account, `actor_id`, `ip`, `user_agent`, `session_id` and `data` are withheld (null, `{}`).',
    response: { 200: PageJson, 400: badFilter },
  },
})
