import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { Body, CharField, EmailField, IntegerField, Optional, UrlField } from '../platform/fields.ts'

// Limits: the user model's (API.md §4); a university's name and a department's name as in the original models
// (100), domain, doc_url and code as the columns hold them.

const NewAccountFields = {
  first_name: CharField({ maxLength: 100 }),
  last_name: CharField({ maxLength: 100 }),
  username: CharField({ maxLength: 20 }),
  email: EmailField({ maxLength: 100 }),
}

/** POST /api/university/create/: its errors nest under `admin` (API.md §2). */
export const UniversityCreateBody = Body({
  name: CharField({ maxLength: 100 }),
  domain: CharField({ maxLength: 255 }),
  doc_url: Optional(UrlField({ maxLength: 500, allowBlank: true })),
  admin: Body(NewAccountFields),
})
export type UniversityCreateBody = Static<typeof UniversityCreateBody>

export const UniversityIdBody = Body({ university_id: IntegerField() })
export type UniversityIdBody = Static<typeof UniversityIdBody>

export const FacultyBody = Body(NewAccountFields)
export type FacultyBody = Static<typeof FacultyBody>

export const FacultyIdBody = Body({ faculty_id: IntegerField() })
export type FacultyIdBody = Static<typeof FacultyIdBody>

export const DepartmentBody = Body({ name: CharField({ maxLength: 100 }), code: CharField({ maxLength: 50 }) })
export type DepartmentBody = Static<typeof DepartmentBody>

export const DepartmentIdBody = Body({ department_id: IntegerField() })
export type DepartmentIdBody = Static<typeof DepartmentIdBody>

/** Any value: a missing or non-integer id is the route's own 404, not a field error (API.md §8). */
export const UniversityIdQuery = Body({ university_id: Optional(Type.Unknown()) })
export type UniversityIdQuery = Static<typeof UniversityIdQuery>
