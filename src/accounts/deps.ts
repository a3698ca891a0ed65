import type { Db } from '../platform/db.ts'
import type { DeferredWork } from '../platform/deferred-work.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import type { OutboxStore } from '../mail/outbox-store.ts'
import type { createLinkTokens } from '../links/link-token.ts'
import type { SiteInfo } from '../links/site.ts'
import type { AccountStore } from './store.ts'
import type { AuditRecorder } from '../audit/record.ts'

/** What registration and the profile ask about universities; the universities feature answers (universities/lookup.ts). */
export type UniversityLookup = {
  isSelectableUniversity(id: number): Promise<boolean>
  isDepartmentOf(departmentId: number, universityId: number | null): Promise<boolean>
}

/** What every account story is built from; wired once in app.ts. */
export type AccountDeps = {
  db: Db
  store: AccountStore
  outbox: OutboxStore
  /** Starts delivery of mail queued by a transaction that has just committed. */
  wakeMailer: () => void
  /** Runs the per-account work of reset and resend requests after their answer (account enumeration). */
  deferred: DeferredWork
  hasher: PasswordHasher
  linkTokens: ReturnType<typeof createLinkTokens>
  universities: UniversityLookup
  commonPasswords: ReadonlySet<string>
  site: SiteInfo
  /** Ends every session of the user inside the transaction that changed their credentials (API.md §11). */
  revokeSessionsOfUser: (trx: Db, userId: number, now: number) => Promise<void>
  /** The audit log (API.md §13): every change records its event in its own transaction. */
  audit: AuditRecorder
}
