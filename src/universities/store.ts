import type { Db } from '../platform/db.ts'

export function createUniversityStore(db: Db) {
  return {
    /** Only approved, not banned universities can be chosen by a student (API.md §4). */
    async findSelectable(id: number) {
      return db.selectFrom('universities').select(['id', 'name'])
        .where('id', '=', id).where('isApproved', '=', 1).where('isBanned', '=', 0)
        .executeTakeFirst()
    },

    async findDepartment(id: number) {
      return db.selectFrom('departments').select(['id', 'name', 'code', 'universityId']).where('id', '=', id).executeTakeFirst()
    },
  }
}

export type UniversityStore = ReturnType<typeof createUniversityStore>
