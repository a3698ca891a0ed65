import { PostgresAdapter, sql } from 'kysely'
import type { Db } from '../platform/db.ts'
import type { ImportedDepartment, ImportedUser } from './mapping.ts'
import type { TargetSettings, TargetSnapshot, UniversityWrite } from './plan.ts'

// Rows per INSERT: 15 columns x 250 stays far below SQLite's 32766 bound parameters (and PostgreSQL's 65535).
const ROWS_PER_STATEMENT = 250

function chunks<T>(rows: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = []
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size))
  return out
}

export function createImportStore(db: Db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter

  return {
    /** What the target holds now; tables not migrated yet (a dry run against a fresh database) read as empty. */
    async loadSnapshot(): Promise<TargetSnapshot> {
      const tables = new Set((await db.introspection.getTables()).map((t) => t.name))
      const has = (name: string) => tables.has(name)
      const users = has('users')
        ? await db.selectFrom('users').select(['id', 'email', 'username', 'firstName', 'lastName', 'password', 'universityId',
          'departmentId', 'userType', 'isActive', 'isStaff', 'isSuperuser', 'dateJoined', 'lastLogin', 'profilePicture']).execute()
        : []
      const universities = has('universities')
        ? await db.selectFrom('universities').select(['id', 'name', 'domain', 'docUrl', 'isApproved', 'isBanned', 'adminId']).execute()
        : []
      const departments = has('departments') ? await db.selectFrom('departments').select(['id', 'name', 'code', 'universityId']).execute() : []
      const settings = has('university_settings') ? await db.selectFrom('universitySettings').selectAll().execute() : []
      return {
        users: new Map(users.map((u) => [u.id, u])),
        universities: new Map(universities.map((u) => [u.id, u])),
        departments: new Map(departments.map((d) => [d.id, d])),
        settings: new Map(settings.map((s) => [s.universityId, s])),
      }
    },

    /** --on-conflict replace: their sessions and tokens go with them (cascade); universities they ran lose their admin. */
    async deleteUsers(trx: Db, ids: readonly number[]): Promise<void> {
      for (const part of chunks(ids)) await trx.deleteFrom('users').where('id', 'in', part).execute()
    },

    async upsertUniversities(trx: Db, rows: readonly UniversityWrite[]): Promise<void> {
      for (const part of chunks(rows)) {
        await trx.insertInto('universities').values(part.map((r) => ({ ...r, adminId: null })))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'), domain: eb.ref('excluded.domain'), docUrl: eb.ref('excluded.docUrl'),
            isApproved: eb.ref('excluded.isApproved'), isBanned: eb.ref('excluded.isBanned'),
          }))).execute()
      }
    },

    async upsertSettings(trx: Db, rows: readonly TargetSettings[]): Promise<void> {
      for (const part of chunks(rows)) {
        await trx.insertInto('universitySettings').values([...part])
          .onConflict((oc) => oc.column('universityId').doUpdateSet((eb) => ({
            emailPattern: eb.ref('excluded.emailPattern'), sidPattern: eb.ref('excluded.sidPattern'),
            isRegistrationEnabled: eb.ref('excluded.isRegistrationEnabled'),
          }))).execute()
      }
    },

    async upsertDepartments(trx: Db, rows: readonly ImportedDepartment[]): Promise<void> {
      for (const part of chunks(rows)) {
        await trx.insertInto('departments').values([...part])
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'), code: eb.ref('excluded.code'), universityId: eb.ref('excluded.universityId'),
          }))).execute()
      }
    },

    /**
     * New users get tokens_valid_after 0, so their Django-issued JWTs stay valid; an update leaves it alone. An
     * inactive user who has logged in before was deactivated in Django (not awaiting activation): that is marked
     * as a deactivation here (tokens_valid_after = now), so an activation link cannot undo it (accounts/registration.ts).
     */
    async upsertUsers(trx: Db, rows: readonly ImportedUser[], now: number): Promise<void> {
      for (const part of chunks(rows)) {
        await trx.insertInto('users').values(part.map((u) => ({ ...u, tokensValidAfter: u.isActive === 0 && u.lastLogin !== null ? now : 0 })))
          .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
            email: eb.ref('excluded.email'), username: eb.ref('excluded.username'), firstName: eb.ref('excluded.firstName'),
            lastName: eb.ref('excluded.lastName'), password: eb.ref('excluded.password'), universityId: eb.ref('excluded.universityId'),
            departmentId: eb.ref('excluded.departmentId'), userType: eb.ref('excluded.userType'), isActive: eb.ref('excluded.isActive'),
            isStaff: eb.ref('excluded.isStaff'), isSuperuser: eb.ref('excluded.isSuperuser'), dateJoined: eb.ref('excluded.dateJoined'),
            lastLogin: eb.ref('excluded.lastLogin'), profilePicture: eb.ref('excluded.profilePicture'),
            tokensValidAfter: sql<number>`CASE WHEN users.tokens_valid_after = 0 THEN excluded.tokens_valid_after ELSE users.tokens_valid_after END`,
          }))).execute()
      }
    },

    async setUniversityAdmins(trx: Db, links: readonly { universityId: number; adminId: number | null }[]): Promise<void> {
      for (const link of links) await trx.updateTable('universities').set({ adminId: link.adminId }).where('id', '=', link.universityId).execute()
    },

    /**
     * PostgreSQL identity columns do not notice explicit ids: without this, the next registration would be given
     * id 1 and fail on the primary key. SQLite's AUTOINCREMENT already tracks the largest id inserted.
     */
    async moveIdSequencesPastImportedIds(): Promise<void> {
      if (!isPostgres) return
      for (const table of ['universities', 'departments', 'users']) {
        // Never backwards: an id handed out before (to a since-deleted row) is not handed out again.
        await sql`SELECT setval(s.seq, GREATEST(m.max_id, pg_sequence_last_value(s.seq::regclass)))
          FROM (SELECT pg_get_serial_sequence(${table}, 'id') AS seq) AS s, (SELECT max(id) AS max_id FROM ${sql.table(table)}) AS m
          WHERE m.max_id IS NOT NULL`.execute(db)
      }
    },
  }
}

export type ImportStore = ReturnType<typeof createImportStore>
