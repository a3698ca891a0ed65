import type { AuditEventJson } from '../audit/serialize.ts'

/** What the pages call each event of API.md §13; the type itself is shown beside it, so an unnamed one is still clear. */
const LABELS: Record<string, string> = {
  'user.registered': 'Account created',
  'user.activated': 'Account activated',
  'user.updated': 'Account changed',
  'user.deleted': 'Account deleted',
  'login.succeeded': 'Signed in',
  'login.failed': 'Sign-in refused',
  'session.revoked': 'Signed out',
  'token.reuse_detected': 'Reused sign-in token refused',
  'password.changed': 'Password changed',
  'password.reset_requested': 'Password reset requested',
  'password.reset': 'Password reset',
  'email.changed': 'Email changed',
  'mfa.enabled': 'Two-factor turned on',
  'mfa.disabled': 'Two-factor turned off',
  'passkey.added': 'Passkey added',
  'passkey.removed': 'Passkey removed',
  'recovery_code.used': 'Recovery code used',
  'university.created': 'University registered',
  'university.approved': 'University approved',
  'university.disapproved': 'University disapproved',
  'university.banned': 'University banned',
  'university.unbanned': 'University unbanned',
  'faculty.added': 'Faculty added',
  'faculty.removed': 'Faculty removed',
  'department.created': 'Department added',
  'department.deleted': 'Department deleted',
  'oidc.consent_granted': 'App allowed',
  'oidc.client_changed': 'OIDC client changed',
  'webhook.changed': 'Webhook changed',
  'admin.action': 'Admin action',
}

export type EventView = {
  id: string
  at: number
  type: string
  label: string
  actorId: number | null
  userId: number | null
  ip: string | null
  device: string | null
  details: string
}

/**
 * An audit event as a row of the pages' tables, from its wire shape (audit/serialize.ts), so a page shows exactly
 * what the JSON routes answer: /account/ what GET /api/users/me/activity/ does, /admin/audit/ what GET /api/audit/ does.
 */
export function eventView(event: AuditEventJson): EventView {
  const details = Object.entries(event.data)
    .map(([key, value]) => `${key}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join('; ')
  return {
    id: event.id, at: Date.parse(event.at), type: event.type, label: LABELS[event.type] ?? event.type,
    actorId: event.actor_id, userId: event.user_id, ip: event.ip, device: event.user_agent, details,
  }
}
