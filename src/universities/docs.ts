import { Type } from '@sinclair/typebox'
import { FullUserJson } from '../accounts/schemas.ts'
import { taggedDocs } from '../platform/openapi.ts'
import { BadRequestJson, DetailJson, JsonObject, StatusMessageJson } from '../platform/response-shapes.ts'

// What the OpenAPI document says of each route of routes.ts (API.md §8): summary, description and the answers of
// its own. Answers every route of a kind shares (401, 415, 429, ...) are added by platform/openapi.ts.

const UniversityJson = JsonObject('University', 'A university in full.', {
  id: Type.Integer(),
  name: Type.String(),
  domain: Type.String(),
  doc_url: Type.String(),
  admin: Type.Union([{ ...FullUserJson, description: 'its admin, with a site-relative picture' }, Type.Null()]),
  is_approved: Type.Boolean(),
  is_banned: Type.Boolean(),
})
const PublicUniversityJson = JsonObject('PublicUniversity', 'A university as anyone sees it.', { id: Type.Integer(), name: Type.String() })
const DepartmentJson = JsonObject('Department', 'A department of a university.', {
  id: Type.Integer(), name: Type.String(), code: Type.String(), university: Type.Integer(),
})

const notSiteAdmin = DetailJson('Not a site admin.', 'You do not have permission to perform this action.')
const notManager = DetailJson('Not a university admin or moderator (of a university).', 'You do not have permission to perform this action.')
const notUniversityAdmin = DetailJson('Not the admin of an approved university.', 'You do not have permission to perform this action.')
const universityIdMissing = BadRequestJson({ university_id: ['This field is required.'] })
const noSuchUniversity = DetailJson('No university with this id.', 'Not found.')

/** approve, disapprove, ban, unban: a site admin names the university by `university_id`. */
function action(summary: string, message: string, description: string) {
  return {
    summary,
    description,
    response: {
      200: StatusMessageJson('Done.', 'success', message),
      400: universityIdMissing,
      403: notSiteAdmin,
      404: noSuchUniversity,
    },
  }
}

export const docs = {
  ...taggedDocs('universities', {
    create: {
      summary: 'Register a university and its admin',
      description: 'Anyone. Creates the pending university and its admin account (inactive, no usable password, member of '
        + 'the university). Errors of the admin\'s fields nest under `admin`.',
      response: { 200: UniversityJson, 400: BadRequestJson({ admin: { email: ['user with this email already exists.'] } }) },
    },
    list: {
      summary: 'Approved universities',
      description: 'Anyone. Approved and not banned universities.',
      response: { 200: Type.Array(PublicUniversityJson, { description: 'Public universities.' }) },
    },
    pending: { summary: 'Universities awaiting approval', response: { 200: Type.Array(UniversityJson, { description: 'Universities.' }), 403: notSiteAdmin } },
    approved: { summary: 'Approved universities, in full', response: { 200: Type.Array(UniversityJson, { description: 'Universities.' }), 403: notSiteAdmin } },
    approve: action(
      'Approve a university',
      'University approved',
      'Makes its admin active, a university admin (user_type 1), and mails them a set-password link.',
    ),
    disapprove: action('Disapprove a university', 'University disapproved', 'Deactivates its admin account (every token of it dies) and mails them.'),
    ban: action('Ban a university', 'University banned', 'A banned university is not offered at registration.'),
    unban: action('Lift the ban of a university', 'University unbanned', 'Lifts the ban.'),
    facultyList: {
      summary: 'Faculty of the caller\'s university',
      response: { 200: Type.Array(FullUserJson, { description: 'Full users of type 3, with site-relative pictures.' }), 403: notManager },
    },
    addFaculty: {
      summary: 'Add a faculty member',
      description: 'Creates an active faculty account (user_type 3) of the caller\'s university and mails it a set-password link.',
      response: {
        200: StatusMessageJson('Added.', 'success', 'Faculty added'),
        400: Type.Union([
          StatusMessageJson('The email or the username is taken.', 'error', 'User with this email already exists'),
          BadRequestJson({ email: ['Enter a valid email address.'] }),
        ], {
          description: 'A taken email or username (`{"status": "error", ...}`), or invalid fields.',
          examples: [{ status: 'error', message: 'User with this email already exists' }],
        }),
        403: notManager,
      },
    },
    removeFaculty: {
      summary: 'Remove a faculty member',
      description: 'Deletes the account of a faculty member of the caller\'s university.',
      response: {
        200: StatusMessageJson('Removed.', 'success', 'Faculty deleted'),
        400: BadRequestJson({ faculty_id: ['This field is required.'] }),
        403: notManager,
        404: DetailJson('No faculty member of the caller\'s university with this id.', 'Not found.'),
      },
    },
  }),
  ...taggedDocs('departments', {
    departmentsOf: {
      summary: 'Departments of a university',
      description: 'Anyone, with `?university_id=N`.',
      response: {
        200: Type.Array(DepartmentJson, { description: 'Departments.' }),
        404: StatusMessageJson('A missing or unknown university.', 'error', 'University not found'),
      },
    },
    createDepartment: { summary: 'Create a department', response: { 200: DepartmentJson, 403: notUniversityAdmin } },
    ownDepartments: {
      summary: 'Departments of the caller\'s university',
      response: { 200: Type.Array(DepartmentJson, { description: 'Departments.' }), 403: notUniversityAdmin },
    },
    deleteDepartment: {
      summary: 'Delete a department',
      response: {
        200: StatusMessageJson('Deleted.', 'success', 'Department deleted'),
        400: BadRequestJson({ department_id: ['This field is required.'] }),
        403: notUniversityAdmin,
        404: StatusMessageJson('No department of the caller\'s university with this id.', 'error', 'Department not found'),
      },
    },
  }),
}
