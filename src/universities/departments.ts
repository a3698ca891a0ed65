import type { User } from '../accounts/user.ts'
import { AppError } from '../platform/errors.ts'
import type { UniversityDeps } from './deps.ts'
import { managedUniversity } from './managed-university.ts'
import type { DepartmentBody } from './schemas.ts'
import type { Department } from './store.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

// The original's department views answer their 404s as `{"status": "error", "message": "..."}` (API.md §8).
const universityNotFound = () => AppError.notFound({ status: 'error', message: 'University not found' })
const departmentNotFound = () => AppError.notFound({ status: 'error', message: 'Department not found' })

/** Departments: listed publicly by university (the registration form), managed by that university's admin. */
export function createDepartments(deps: UniversityDeps) {
  const { db, store, audit } = deps

  return {
    /** `universityId` null: the query string had no usable id, which is the same 404 as an unknown one. */
    async listDepartmentsOf(universityId: number | null): Promise<Department[]> {
      const university = universityId === null ? undefined : await store.findById(universityId)
      if (university === undefined) throw universityNotFound()
      return store.listDepartments(university.id)
    },

    async createDepartment(admin: User, body: DepartmentBody, context: RequestContext): Promise<Department> {
      const university = await managedUniversity(store, admin)
      return db.transaction().execute(async (trx) => {
        const department = await store.insertDepartment(trx, { name: body.name, code: body.code, universityId: university.id })
        await audit.record(trx, {
          type: 'department.created', context, universityId: university.id,
          data: { department_id: department.id, name: department.name, code: department.code },
        })
        return department
      })
    },

    async listOwnDepartments(admin: User): Promise<Department[]> {
      return store.listDepartments((await managedUniversity(store, admin)).id)
    },

    /** Another university's department looks like it does not exist. */
    async deleteDepartment(admin: User, departmentId: number, context: RequestContext): Promise<void> {
      const university = await managedUniversity(store, admin)
      const department = await store.findDepartment(departmentId)
      if (department === undefined || department.universityId !== university.id) throw departmentNotFound()
      await db.transaction().execute(async (trx) => {
        await store.deleteDepartment(trx, department.id)
        await audit.record(trx, {
          type: 'department.deleted', context, universityId: university.id,
          data: { department_id: department.id, name: department.name, code: department.code },
        })
      })
    },
  }
}
