import type { UniversityDeps } from './deps.ts'
import { createDepartments } from './departments.ts'
import { createFaculty } from './faculty.ts'
import { createOnboarding } from './onboarding.ts'

/** Every university, faculty and department story (API.md §8), one object for the routes. */
export function createUniversityService(deps: UniversityDeps) {
  return {
    ...createOnboarding(deps),
    ...createFaculty(deps),
    ...createDepartments(deps),
  }
}

export type UniversityService = ReturnType<typeof createUniversityService>
