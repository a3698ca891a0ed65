import type { SiteInfo } from '../links/site.ts'
import type { AccountService } from '../accounts/service.ts'
import type { OutboxStore } from '../mail/outbox-store.ts'
import type { Db } from '../platform/db.ts'
import type { UniversityStore } from './store.ts'
import type { AuditRecorder } from '../audit/record.ts'

/** What every university story is built from; wired once in app.ts, after the account service. */
export type UniversityDeps = {
  db: Db
  store: UniversityStore
  /** Accounts are created, promoted and deactivated through the account service, never by this feature's SQL. */
  accounts: AccountService
  outbox: OutboxStore
  /** Starts delivery of mail queued by a transaction that has just committed. */
  wakeMailer: () => void
  site: SiteInfo
  /** The audit log (API.md §13): every action records its event in its own transaction. */
  audit: AuditRecorder
}
