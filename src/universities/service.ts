import type { UniversityDeps } from './deps.ts'
import { createDepartments } from './departments.ts'
import { createFaculty } from './faculty.ts'
import { createOnboarding } from './onboarding.ts'
import type { UniversityStore } from './store.ts'

/**
 * What the account feature asks about universities (registration, profile). Kept apart from the service below,
 * which itself builds on the account service: a university's admin and faculty are accounts.
 */
export function createUniversityLookup(deps: { store: UniversityStore }) {
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

export type UniversityLookup = ReturnType<typeof createUniversityLookup>

/** Every university, faculty and department story (API.md §8), one object for the routes. */
export function createUniversityService(deps: UniversityDeps) {
  return {
    ...createOnboarding(deps),
    ...createFaculty(deps),
    ...createDepartments(deps),
  }
}

export type UniversityService = ReturnType<typeof createUniversityService>
