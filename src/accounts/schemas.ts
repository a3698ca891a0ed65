import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import type { FieldErrors } from '../platform/errors.ts'
import { Body, CharField, EmailField, IntegerField, NullablePkField, Optional } from '../platform/http/fields.ts'
import { JsonObject } from '../platform/response-shapes.ts'

// Model limits (API.md §4): names ≤ 100, username ≤ 20, email ≤ 100. Passwords are trimmed like every DRF string.
const Password = CharField()
const USERNAME_MAX_LENGTH = 20
const EMAIL_MAX_LENGTH = 100

const storedLength = (value: string): number => [...value.toLowerCase()].length
const tooLong = (max: number) => [`Ensure this field has no more than ${max} characters.`]

/**
 * Email and username are stored lower-cased, and a few characters grow when lower-cased ('İ' becomes 'i' and a
 * combining dot): the model limit applies to the stored value, which PostgreSQL would otherwise refuse with a 500.
 */
export function storedLengthErrors(body: { username?: string; email?: string }, errors: FieldErrors): void {
  if (body.username !== undefined && storedLength(body.username) > USERNAME_MAX_LENGTH) errors.username = tooLong(USERNAME_MAX_LENGTH)
  if (body.email !== undefined && storedLength(body.email) > EMAIL_MAX_LENGTH) errors.email = tooLong(EMAIL_MAX_LENGTH)
}

export const RegisterBody = Body({
  first_name: CharField({ maxLength: 100 }),
  last_name: CharField({ maxLength: 100 }),
  username: CharField({ maxLength: USERNAME_MAX_LENGTH }),
  email: EmailField({ maxLength: EMAIL_MAX_LENGTH }),
  password: Password,
  re_password: Password,
  university: Optional(NullablePkField()),
  department: Optional(NullablePkField()),
})
export type RegisterBody = Static<typeof RegisterBody>

export const UidTokenBody = Body({ uid: CharField(), token: CharField() })
export type UidTokenBody = Static<typeof UidTokenBody>

export const EmailBody = Body({ email: EmailField() })
export type EmailBody = Static<typeof EmailBody>

export const ProfileBody = Body({
  first_name: Optional(CharField({ maxLength: 100 })),
  last_name: Optional(CharField({ maxLength: 100 })),
  username: Optional(CharField({ maxLength: USERNAME_MAX_LENGTH })),
  university: Optional(NullablePkField()),
  department: Optional(NullablePkField()),
})
export type ProfileBody = Static<typeof ProfileBody>

/** PUT needs the three names (API.md §4); PATCH takes any subset. */
export const ProfilePutBody = Body({
  ...ProfileBody.properties,
  first_name: CharField({ maxLength: 100 }),
  last_name: CharField({ maxLength: 100 }),
  username: CharField({ maxLength: USERNAME_MAX_LENGTH }),
})

export const ShortUserPutBody = Body({
  first_name: CharField({ maxLength: 100 }),
  last_name: CharField({ maxLength: 100 }),
  username: CharField({ maxLength: USERNAME_MAX_LENGTH }),
})
export const ShortUserPatchBody = Body({
  first_name: Optional(CharField({ maxLength: 100 })),
  last_name: Optional(CharField({ maxLength: 100 })),
  username: Optional(CharField({ maxLength: USERNAME_MAX_LENGTH })),
})
export type ShortUserPatchBody = Static<typeof ShortUserPatchBody>

export const CurrentPasswordBody = Body({ current_password: Password })
export type CurrentPasswordBody = Static<typeof CurrentPasswordBody>

/** DELETE of another user by a site admin needs no password, so the field is optional at the schema level. */
export const OptionalCurrentPasswordBody = Body({ current_password: Optional(Password) })
export type OptionalCurrentPasswordBody = Static<typeof OptionalCurrentPasswordBody>

export const SetPasswordBody = Body({ current_password: Password, new_password: Password, re_new_password: Password })
export type SetPasswordBody = Static<typeof SetPasswordBody>

export const ResetPasswordConfirmBody = Body({
  uid: CharField(), token: CharField(), new_password: Password, re_new_password: Password,
})
export type ResetPasswordConfirmBody = Static<typeof ResetPasswordConfirmBody>

export const SetEmailBody = Body({ current_password: Password, new_email: EmailField({ maxLength: EMAIL_MAX_LENGTH }) })
export type SetEmailBody = Static<typeof SetEmailBody>

export const ResetEmailConfirmBody = Body({ uid: CharField(), token: CharField(), new_email: EmailField({ maxLength: EMAIL_MAX_LENGTH }) })
export type ResetEmailConfirmBody = Static<typeof ResetEmailConfirmBody>

export const UserIdQuery = Body({ user_id: IntegerField() })
export type UserIdQuery = Static<typeof UserIdQuery>

export const IdParams = Type.Object({ id: Type.String() })

// Answers (API.md §4), for the OpenAPI document; serialize.ts writes them.
const NullableId = Type.Union([Type.Integer(), Type.Null()])
const USER_TYPES = '0 site admin, 1 university admin, 2 moderator, 3 faculty, 4 representative, 5 student'

export const FullUserJson = JsonObject('FullUser', 'The user as its owner or a site admin sees it.', {
  id: Type.Integer(),
  first_name: Type.String(),
  last_name: Type.String(),
  username: Type.String(),
  email: Type.String({ format: 'email' }),
  university: NullableId,
  department: NullableId,
  profile_picture: Type.String({ description: 'absolute URL of the picture (site-relative `/media/...` in GET /api/user/)' }),
  user_type: Type.Integer({ minimum: 0, maximum: 5, description: USER_TYPES }),
})

export const ShortUserJson = JsonObject('ShortUser', 'The user in lists.', {
  id: Type.Integer(), email: Type.String({ format: 'email' }), username: Type.String(), first_name: Type.String(), last_name: Type.String(),
})

export const CreatedUserJson = JsonObject('CreatedUser', 'Registered: inactive until the mailed activation link is followed.', {
  first_name: Type.String(), last_name: Type.String(), username: Type.String(), email: Type.String({ format: 'email' }),
  university: NullableId, department: NullableId,
})

export const ApiRootJson = JsonObject('ApiRoot', 'Links to the API.', { users: Type.String({ format: 'uri' }) })
