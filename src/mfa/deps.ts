import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import type { OutboxStore } from '../mail/outbox-store.ts'
import type { SiteInfo } from '../links/site.ts'
import type { User } from '../accounts/user.ts'
import type { MfaSecrets } from './secrets.ts'
import type { MfaStore } from './store.ts'

/**
 * What the audit log records of second factors (API.md §13). The seam the audit feature plugs into: app.ts passes
 * `onSecurityEvent`, called inside the transaction of the change (so an event exists exactly when the change does);
 * a no-op until then.
 */
export type SecurityEvent =
  | { type: 'mfa.enabled'; userId: number; data: { method: 'totp' } }
  | { type: 'mfa.disabled'; userId: number; data: { method: 'totp' | 'all'; by?: number; reason?: 'admin_reset' | 'cli_reset' } }
  | { type: 'passkey.added'; userId: number; data: { credentialId: number; name: string } }
  | { type: 'passkey.removed'; userId: number; data: { credentialId: number; name: string } }
  | { type: 'recovery_code.used'; userId: number; data: { left: number } }
  | { type: 'recovery_codes.regenerated'; userId: number; data: Record<string, never> }
  | { type: 'login.failed'; userId: number; data: { reason: 'mfa_failed'; method: 'totp' | 'recovery_code' | 'webauthn' } }
  | { type: 'login.succeeded'; userId: number; data: { amr: readonly string[] } }

export type OnSecurityEvent = (trx: Db, event: SecurityEvent) => Promise<void>

export type MfaDeps = {
  db: Db
  store: MfaStore
  secrets: MfaSecrets
  hasher: PasswordHasher
  outbox: OutboxStore
  /** Starts delivery of mail queued by a transaction that has just committed. */
  wakeMailer: () => void
  site: SiteInfo
  webauthn: Config['webauthn']
  mfaRequiredUserTypes: readonly number[]
  /**
   * Milliseconds since the epoch: TOTP steps, token and challenge lifetimes (tests move it). Mail is queued at the
   * real time, as the outbox sender reads it.
   */
  clock: () => number
  /** The user behind an mfa_token or a passkey, if they still may log in. */
  findActiveUser: (id: number) => Promise<User | undefined>
  /** Ends every session of the user but `keep` (API.md §12), inside the transaction of the change. */
  revokeOtherSessions: (trx: Db, userId: number, keep: string | undefined, now: number) => Promise<void>
  onSecurityEvent: OnSecurityEvent
}
