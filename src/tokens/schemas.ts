import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { Body, CharField, Optional } from '../platform/http/fields.ts'

// SimpleJWT's serializers: the username field is a plain CharField, so no email format check at login.
export const LoginBody = Body({ email: CharField(), password: CharField() })
export type LoginBody = Static<typeof LoginBody>

// Cookie first, body second (API.md §6): the route validates the field after putting the cookie in its place.
export const RefreshBody = Body({ refresh: Optional(Type.Unknown({ description: 'refresh token; the `refresh` cookie wins' })) })

export const VerifyBody = Body({ token: Optional(Type.Unknown({ description: 'any token; the `access` cookie wins' })) })

export const LogoutBody = Body({ refresh: Optional(Type.Unknown({ description: 'refresh token to revoke; the `refresh` cookie wins' })) })

export const TokenPairJson = Type.Object({ access: Type.String(), refresh: Type.String() })
