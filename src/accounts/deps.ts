import type { Db } from '../platform/db.ts'
import type { DeferredWork } from '../platform/deferred-work.ts'
import type { PasswordHasher } from '../platform/password-hashing.ts'
import type { OutboxStore } from '../mail/outbox-store.ts'
import type { createLinkTokens } from '../tokens/link-token.ts'
import type { UniversityLookup } from '../universities/service.ts'
import type { SiteInfo } from './emails.ts'
import type { AccountStore } from './store.ts'

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
}
