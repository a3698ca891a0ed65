import type { Selectable } from 'kysely'
import type { Db, DepartmentsTable, UniversitiesTable } from '../platform/db.ts'

type UniversityRow = Selectable<UniversitiesTable>
export type University = Omit<UniversityRow, 'isApproved' | 'isBanned'> & { isApproved: boolean; isBanned: boolean }
export type NewUniversity = Pick<University, 'name' | 'domain' | 'docUrl'>
export type Department = Selectable<DepartmentsTable>
export type NewDepartment = Omit<Department, 'id'>

const INT32_MAX = 2_147_483_647

/** Ids no row can have (not positive, or beyond PostgreSQL's integer) match nothing instead of failing the query. */
const isStorableId = (id: number): boolean => Number.isSafeInteger(id) && id >= 1 && id <= INT32_MAX

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0)

function toUniversity(row: UniversityRow): University {
  return { ...row, isApproved: row.isApproved === 1, isBanned: row.isBanned === 1 }
}

export function createUniversityStore(db: Db) {
  return {
    /** Only approved, not banned universities can be chosen by a student (API.md §4). */
    async findSelectable(id: number) {
      if (!isStorableId(id)) return undefined
      return db.selectFrom('universities').select(['id', 'name'])
        .where('id', '=', id).where('isApproved', '=', 1).where('isBanned', '=', 0)
        .executeTakeFirst()
    },

    async findById(id: number): Promise<University | undefined> {
      if (!isStorableId(id)) return undefined
      const row = await db.selectFrom('universities').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toUniversity(row)
    },

    async findAdministeredBy(userId: number): Promise<University | undefined> {
      const row = await db.selectFrom('universities').selectAll().where('adminId', '=', userId).orderBy('id').executeTakeFirst()
      return row && toUniversity(row)
    },

    /** Universities by state, by id; a state left undefined is not filtered on. */
    async list(filter: { approved?: boolean; banned?: boolean }): Promise<University[]> {
      let query = db.selectFrom('universities').selectAll()
      if (filter.approved !== undefined) query = query.where('isApproved', '=', flag(filter.approved))
      if (filter.banned !== undefined) query = query.where('isBanned', '=', flag(filter.banned))
      return (await query.orderBy('id').execute()).map(toUniversity)
    },

    /** How many universities a state has (the admin dashboard), with list()'s filter: one COUNT, no rows. */
    async count(filter: { approved?: boolean; banned?: boolean }): Promise<number> {
      let query = db.selectFrom('universities').select((eb) => eb.fn.countAll<number | string>().as('n'))
      if (filter.approved !== undefined) query = query.where('isApproved', '=', flag(filter.approved))
      if (filter.banned !== undefined) query = query.where('isBanned', '=', flag(filter.banned))
      return Number((await query.executeTakeFirstOrThrow()).n)
    },

    /** A pending university (not approved, not banned) without its admin yet: the admin account needs its id. */
    async insert(trx: Db, university: NewUniversity, now: number): Promise<University> {
      const row = await trx.insertInto('universities')
        .values({ ...university, adminId: null, isApproved: 0, isBanned: 0, createdAt: now })
        .returningAll().executeTakeFirstOrThrow()
      return toUniversity(row)
    },

    async update(trx: Db, id: number, patch: { adminId?: number; isApproved?: boolean; isBanned?: boolean }): Promise<void> {
      await trx.updateTable('universities').set({
        ...(patch.adminId !== undefined ? { adminId: patch.adminId } : {}),
        ...(patch.isApproved !== undefined ? { isApproved: flag(patch.isApproved) } : {}),
        ...(patch.isBanned !== undefined ? { isBanned: flag(patch.isBanned) } : {}),
      }).where('id', '=', id).execute()
    },

    async findDepartment(id: number): Promise<Department | undefined> {
      if (!isStorableId(id)) return undefined
      return db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst()
    },

    async listDepartments(universityId: number): Promise<Department[]> {
      return db.selectFrom('departments').selectAll().where('universityId', '=', universityId).orderBy('id').execute()
    },

    async insertDepartment(trx: Db, department: NewDepartment): Promise<Department> {
      return trx.insertInto('departments').values(department).returningAll().executeTakeFirstOrThrow()
    },

    /** Members of the department keep their accounts: their `department` becomes null (ON DELETE SET NULL). */
    async deleteDepartment(trx: Db, id: number): Promise<void> {
      await trx.deleteFrom('departments').where('id', '=', id).execute()
    },
  }
}

export type UniversityStore = ReturnType<typeof createUniversityStore>
