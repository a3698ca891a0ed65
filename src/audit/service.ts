import type { AuditFilters, AuditPosition, AuditStore } from './store.ts'
import type { AuditEventRow } from './store.ts'

/** API.md §13: 50 a page. */
export const AUDIT_PAGE_SIZE = 50

const HOUR_MS = 3_600_000

/** One hour of the dashboard's chart: its start (epoch ms) and its sign-ins. */
export type SignInHour = { start: number; succeeded: number; failed: number }

export type AuditPage = { events: AuditEventRow[]; next: AuditPosition | null }

/** Reading and pruning the audit log; writing goes through record.ts, in the transaction of each change. */
export function createAuditService(deps: { store: AuditStore; retentionDays: number; clock?: () => number }) {
  const { store } = deps
  const clock = deps.clock ?? Date.now

  async function page(filters: AuditFilters, before: AuditPosition | undefined): Promise<AuditPage> {
    // One more than a page tells whether a next page exists without counting.
    const rows = await store.listNewestFirst(filters, before, AUDIT_PAGE_SIZE + 1)
    const events = rows.slice(0, AUDIT_PAGE_SIZE)
    const last = events.at(-1)
    return { events, next: rows.length > AUDIT_PAGE_SIZE && last !== undefined ? { at: last.at, id: last.id } : null }
  }

  return {
    /** GET /api/audit/ (site admins): any events. */
    listEvents: page,

    /** GET /api/users/me/activity/: the caller's own history, whatever `user_id` the query names. */
    listActivity: (userId: number, filters: AuditFilters, before: AuditPosition | undefined) => page({ ...filters, userId }, before),

    /**
     * The admin dashboard's chart: sign-ins and failed sign-ins (login.succeeded, login.failed) in each of the last
     * `hours` UTC hours, the current one included, oldest first; an hour without any is 0.
     */
    async signInsPerHour(hours = 24): Promise<SignInHour[]> {
      const current = Math.floor(clock() / HOUR_MS)
      const first = current - hours + 1
      const rows = await store.countPerHour(['login.succeeded', 'login.failed'], first * HOUR_MS)
      const slots = Array.from({ length: hours }, (_, i) => ({ start: (first + i) * HOUR_MS, succeeded: 0, failed: 0 }))
      for (const row of rows) {
        const slot = slots[row.hour - first]
        if (slot === undefined) continue
        if (row.type === 'login.succeeded') slot.succeeded = row.n
        else slot.failed = row.n
      }
      return slots
    },

    /** Retention (AUDIT_RETENTION_DAYS): run by the periodic pruning in app.ts. */
    pruneExpired: (): Promise<number> => store.pruneOlderThan(clock() - deps.retentionDays * 86_400_000),
  }
}

export type AuditService = ReturnType<typeof createAuditService>
