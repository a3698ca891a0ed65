import type { UniversityStore } from './store.ts'

export function createUniversityService(deps: { store: UniversityStore }) {
  const { store } = deps
  return {
    async isSelectableUniversity(id: number): Promise<boolean> {
      return (await store.findSelectable(id)) !== undefined
    },

    async isDepartmentOf(departmentId: number, universityId: number | null): Promise<boolean> {
      if (universityId === null) return false
      const department = await store.findDepartment(departmentId)
      return department?.universityId === universityId
    },
  }
}

export type UniversityService = ReturnType<typeof createUniversityService>
