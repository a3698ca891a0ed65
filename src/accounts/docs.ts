import { Type } from '@sinclair/typebox'
import { BadRequestJson, DetailJson, NoContent } from '../platform/response-shapes.ts'
import { taggedDocs } from '../platform/openapi.ts'
import { ApiRootJson, CreatedUserJson, FullUserJson, ShortUserJson } from './schemas.ts'

// What the OpenAPI document says of each route of routes.ts (API.md §4, §5, §7): summary, description and the
// answers of its own. Answers every route of a kind shares (401, 415, 429, ...) are added by platform/openapi.ts.

const notFound = DetailJson('No such user, or one the caller may not see.', 'Not found.')
const badUidOrToken = BadRequestJson({ token: ['Invalid token for given user.'] })
const wrongPassword = BadRequestJson({ current_password: ['Invalid password.'] })
const alwaysNoContent = NoContent('Always, for a well-formed email: never reveals whether an account exists.')

export const docs = taggedDocs('users', {
  register: {
    summary: 'Register',
    description: 'Anonymous. The new user is inactive and is mailed an activation link (`nl/activation/{uid}/{token}`). '
      + '`university`: an approved, not banned university (`null`, `""` or absent for none); `department`: one of it. '
      + 'Privileged fields (`user_type`, `is_active`, ...) are ignored. Password validators (API.md §5) report under `password`.',
    response: { 201: CreatedUserJson, 400: BadRequestJson({ email: ['user with this email already exists.'] }) },
  },
  list: {
    summary: 'List users',
    description: 'A site admin sees everyone, ordered by id; anyone else only themself.',
    response: { 200: Type.Array(ShortUserJson, { description: 'Short users.' }) },
  },
  activate: {
    summary: 'Activate an account',
    description: 'With `uid` and `token` of the activation link.',
    response: {
      204: NoContent('The account is active.'),
      400: BadRequestJson({ uid: ["Invalid user id or user doesn't exist."] }),
      403: DetailJson('The account is already active.', 'Stale token for given user.'),
    },
  },
  resendActivation: {
    summary: 'Mail a new activation link',
    description: 'Only an existing, inactive account gets a mail.',
    response: { 204: alwaysNoContent },
  },
  me: { summary: 'The signed-in user', response: { 200: FullUserJson } },
  updateMe: {
    summary: 'Update the signed-in user',
    description: '`first_name`, `last_name`, `username`, `department` (of the user\'s university) and, for students only, '
      + '`university`. PUT requires the three names. `id`, `email`, `user_type` and `profile_picture` are read-only and ignored.',
    response: { 200: FullUserJson },
  },
  deleteMe: {
    summary: 'Delete the signed-in user',
    response: { 204: NoContent('Deleted; every token of the user is revoked.'), 400: wrongPassword },
  },
  setPassword: {
    summary: 'Change the password',
    description: 'Revokes every session and token of the user issued before the change (API.md §11).',
    response: { 204: NoContent('Changed.'), 400: wrongPassword },
  },
  resetPassword: {
    summary: 'Mail a password-reset link',
    description: 'Only an existing, active account gets a mail with `nl/password-reset/{uid}/{token}`.',
    response: { 204: alwaysNoContent },
  },
  resetPasswordConfirm: {
    summary: 'Set a new password with a reset link',
    description: 'A reset token works once: after any password change, and after any login, it is invalid.',
    response: { 204: NoContent('Changed; every token of the user is revoked.'), 400: badUidOrToken },
  },
  setEmail: {
    summary: 'Change the email address',
    response: { 204: NoContent('Changed; every token of the user is revoked.'), 400: BadRequestJson({ new_email: ['user with this email already exists.'] }) },
  },
  resetEmail: {
    summary: 'Mail an email-reset link',
    description: 'Only an existing, active account gets a mail with `nl/email-reset/{uid}/{token}`.',
    response: { 204: alwaysNoContent },
  },
  resetEmailConfirm: {
    summary: 'Set a new email address with a reset link',
    response: { 204: NoContent('Changed; every token of the user is revoked.'), 400: badUidOrToken },
  },
  getById: {
    summary: 'A user by id',
    description: 'A non-admin may only address their own id.',
    response: { 200: ShortUserJson, 404: notFound },
  },
  updateById: {
    summary: 'Update a user by id',
    description: '`first_name`, `last_name`, `username`; email is read-only here. A non-admin may only address their own id.',
    response: { 200: ShortUserJson, 404: notFound },
  },
  deleteById: {
    summary: 'Delete a user by id',
    description: 'Needs `current_password`, except for a site admin deleting someone else.',
    response: {
      204: NoContent('Deleted; every token of the user is revoked.'),
      400: wrongPassword,
      403: DetailJson('Another user\'s id, for a non-admin.', 'You do not have permission to perform this action.'),
      404: notFound,
    },
  },
  lookup: {
    summary: 'A user by id, in full',
    description: 'Any signed-in user. `profile_picture` is site-relative (`/media/...`).',
    response: { 200: FullUserJson, 400: BadRequestJson({ user_id: ['A valid integer is required.'] }), 404: notFound },
  },
  root: { summary: 'The API root', response: { 200: ApiRootJson } },
})
