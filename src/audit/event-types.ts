/**
 * The event types of API.md §13, and for each the only keys its `data` may hold. This allow-list is the one place
 * that keeps passwords, tokens, codes, secrets and hashes out of the log (and out of every webhook): a key not listed
 * for its type is dropped by record() whatever a caller passes, and a value must be a string, number, boolean, null
 * or a list of those. Adding a key here is a review of what it may contain.
 */
export const AUDIT_DATA_KEYS = {
  'user.registered': ['via', 'email', 'username', 'user_type'],
  'user.activated': ['via'],
  'user.updated': ['fields', 'via'],
  'user.deleted': ['via', 'email'],
  'login.succeeded': ['method', 'amr'],
  // `email` is what was typed into the email field of a failed login, so the IT office can see what was tried.
  'login.failed': ['reason', 'email', 'method'],
  'session.revoked': ['reason', 'revoked_session_id', 'count'],
  'token.reuse_detected': ['revoked_session_id'],
  'password.changed': ['via'],
  'password.reset_requested': [],
  'password.reset': [],
  'email.changed': ['via', 'old_email', 'new_email'],
  'mfa.enabled': ['method'],
  'mfa.disabled': ['method', 'via'],
  'passkey.added': ['credential_id', 'name'],
  'passkey.removed': ['credential_id', 'name'],
  'recovery_code.used': ['remaining'],
  'university.created': ['name', 'domain'],
  'university.approved': [],
  'university.disapproved': [],
  'university.banned': [],
  'university.unbanned': [],
  'faculty.added': ['email', 'username'],
  'faculty.removed': ['email'],
  'department.created': ['department_id', 'name', 'code'],
  'department.deleted': ['department_id', 'name', 'code'],
  'oidc.consent_granted': ['client_id', 'scopes'],
  'oidc.client_changed': ['client_id', 'change'],
  // Not the URL: receivers' URLs often carry a token of their own (https://hooks.example/T0/B1/secret).
  'webhook.changed': ['webhook_id', 'change', 'events'],
  'admin.action': ['action', 'target'],
} as const satisfies Record<string, readonly string[]>

export type AuditType = keyof typeof AUDIT_DATA_KEYS

/** Every type, in the order of API.md §13. */
export const AUDIT_TYPES = Object.keys(AUDIT_DATA_KEYS) as AuditType[]

export function isAuditType(value: string): value is AuditType {
  return Object.hasOwn(AUDIT_DATA_KEYS, value)
}

/** The reasons of `login.failed` (API.md §13). */
export type LoginFailureReason = 'bad_credentials' | 'inactive' | 'mfa_failed' | 'throttled'

type Scalar = string | number | boolean | null
export type AuditDataValue = Scalar | readonly Scalar[]

/** The longest string kept in `data`: details, not documents. */
const MAX_STRING = 200

/**
 * The data of an event as it is stored: only the keys its type allows, only plain values, strings cut short.
 * Anything else (an unknown key, an object, a function) is left out rather than refused, so a mistake in a caller
 * never fails the change it records and never leaks what it passed.
 */
export function allowedData(type: AuditType, data: Readonly<Record<string, unknown>> | undefined): Record<string, AuditDataValue> {
  const kept: Record<string, AuditDataValue> = {}
  if (data === undefined) return kept
  const allowed: readonly string[] = AUDIT_DATA_KEYS[type]
  for (const key of allowed) {
    const value = plain(data[key])
    if (value !== undefined) kept[key] = value
  }
  return kept
}

function plainScalar(value: unknown): Scalar | undefined {
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value === 'string') return value.slice(0, MAX_STRING)
  return undefined
}

function plain(value: unknown): AuditDataValue | undefined {
  if (!Array.isArray(value)) return plainScalar(value)
  const items = value.slice(0, 50).map(plainScalar)
  return items.every((item) => item !== undefined) ? items : undefined
}
