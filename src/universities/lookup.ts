import type { UniversityLookup } from '../accounts/deps.ts'
import type { UniversityStore } from './store.ts'

/**
 * What the account feature asks about universities (registration, profile). Kept apart from service.ts, which
 * builds on the account service (a university's admin and faculty are accounts), so the two features do not
 * depend on each other: accounts names the questions (accounts/deps.ts), this answers them.
 */
export function createUniversityLookup(deps: { store: UniversityStore }): UniversityLookup {
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
