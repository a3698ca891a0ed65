import { sql } from 'kysely'
import type { Selectable } from 'kysely'
import type { AuditEventsTable, Db } from '../platform/db.ts'
import type { AuditType } from './event-types.ts'

export type AuditEventRow = Selectable<AuditEventsTable>

/** The §13 filters; `before` is the cursor: events strictly older than that (at, id). */
export type AuditFilters = {
  userId?: number
  types?: readonly AuditType[]
  since?: number
  until?: number
}
export type AuditPosition = { at: number; id: string }

const HOUR_MS = 3_600_000

export function createAuditStore(db: Db) {
  function filtered(filters: AuditFilters) {
    let query = db.selectFrom('auditEvents').selectAll()
    if (filters.userId !== undefined) query = query.where('userId', '=', filters.userId)
    if (filters.types !== undefined && filters.types.length > 0) query = query.where('type', 'in', filters.types)
    if (filters.since !== undefined) query = query.where('at', '>=', filters.since)
    if (filters.until !== undefined) query = query.where('at', '<=', filters.until)
    return query
  }

  return {
    /** Called inside the transaction of the change (record.ts): the event exists exactly when the change does. */
    async insert(trx: Db, row: AuditEventRow): Promise<void> {
      await trx.insertInto('auditEvents').values(row).execute()
    },

    /**
     * Newest first, `limit` of them, older than `before`. A keyset on (at, id) rather than an offset: events added
     * while a client pages are newer than its cursor, so no page repeats or skips one (API.md §13).
     */
    async listNewestFirst(filters: AuditFilters, before: AuditPosition | undefined, limit: number): Promise<AuditEventRow[]> {
      let query = filtered(filters)
      if (before !== undefined) {
        query = query.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]))
      }
      return query.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute()
    },

    /** Oldest first, in pages of `pageSize`: the CLI's export holds one page in memory however many events match. */
    async *streamOldestFirst(filters: AuditFilters, pageSize = 1000): AsyncGenerator<AuditEventRow> {
      let after: AuditPosition | undefined
      for (;;) {
        let query = filtered(filters)
        if (after !== undefined) {
          const from = after
          query = query.where((eb) => eb.or([eb('at', '>', from.at), eb.and([eb('at', '=', from.at), eb('id', '>', from.id)])]))
        }
        const page = await query.orderBy('at').orderBy('id').limit(pageSize).execute()
        yield* page
        const last = page.at(-1)
        if (last === undefined || page.length < pageSize) return
        after = { at: last.at, id: last.id }
      }
    },

    /**
     * Events of some types per hour (epoch milliseconds / 3,600,000, UTC hours) at or after `since`: one GROUP BY on
     * the (type, at, id) index, however many events there are (the admin dashboard's chart).
     */
    async countPerHour(types: readonly AuditType[], since: number): Promise<{ type: string; hour: number; n: number }[]> {
      // A literal, not a parameter: better-sqlite3 binds a number as REAL (a fractional hour), and PostgreSQL would see the
      // select's and the GROUP BY's parameters as two different expressions.
      const hour = sql<number | string>`at / ${sql.lit(HOUR_MS)}`
      const rows = await db.selectFrom('auditEvents')
        .select((eb) => ['type', hour.as('hour'), eb.fn.countAll<number | string>().as('n')])
        .where('type', 'in', types).where('at', '>=', since)
        .groupBy(['type', hour]).execute()
      return rows.map((r) => ({ type: r.type, hour: Number(r.hour), n: Number(r.n) }))
    },

    /** Retention (AUDIT_RETENTION_DAYS): deletes events older than `cutoff` in bounded batches, so no prune holds a long lock. */
    async pruneOlderThan(cutoff: number, batchSize = 5000): Promise<number> {
      let total = 0
      for (;;) {
        const old = db.selectFrom('auditEvents').select('id').where('at', '<', cutoff).limit(batchSize)
        const result = await db.deleteFrom('auditEvents').where('id', 'in', old).executeTakeFirst()
        const deleted = Number(result.numDeletedRows)
        total += deleted
        if (deleted < batchSize) return total
      }
    },
  }
}

export type AuditStore = ReturnType<typeof createAuditStore>
