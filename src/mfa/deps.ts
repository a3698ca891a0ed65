import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import type { OutboxStore } from '../mail/outbox-store.ts'
import type { SiteInfo } from '../links/site.ts'
import type { User } from '../accounts/user.ts'
import type { MfaSecrets } from './secrets.ts'
import type { MfaStore } from './store.ts'
import type { AuditRecorder } from '../audit/record.ts'

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
  /**
   * The audit log (API.md §13): mfa.enabled, mfa.disabled, passkey.added, passkey.removed, recovery_code.used and
   * login.failed (mfa_failed) are recorded in the transaction of the change, so an event exists exactly when the change does.
   */
  audit: AuditRecorder
}
