import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { Body, CharField, Optional } from '../platform/http/fields.ts'

// Request bodies of API.md §12. WebAuthn responses are objects the library checks (webauthn.ts checks their shape
// first): typed `unknown` here, so a wrong shape is a failed ceremony with the contract's message, not a field error.

const Code = () => CharField({ maxLength: 64 })
const Credential = (what: string) => Type.Unknown({ description: `${what} (JSON of @simplewebauthn/browser)` })

export const PasswordBody = Body({ current_password: CharField() })
export type PasswordBody = Static<typeof PasswordBody>

export const CodeBody = Body({ code: Code() })
export type CodeBody = Static<typeof CodeBody>

export const DisableBody = Body({ current_password: CharField(), code: Code() })
export type DisableBody = Static<typeof DisableBody>

export const RecoveryCodesBody = Body({ current_password: CharField(), code: Optional(Code()) })
export type RecoveryCodesBody = Static<typeof RecoveryCodesBody>

export const RegisterVerifyBody = Body({ credential: Credential('RegistrationResponseJSON'), name: Optional(CharField({ maxLength: 100 })) })
export type RegisterVerifyBody = Static<typeof RegisterVerifyBody>

export const RenameBody = Body({ name: CharField({ maxLength: 100 }) })
export type RenameBody = Static<typeof RenameBody>

export const LoginOptionsBody = Body({ mfa_token: Optional(CharField({ maxLength: 200 })) })
export type LoginOptionsBody = Static<typeof LoginOptionsBody>

export const LoginVerifyBody = Body({ credential: Credential('AuthenticationResponseJSON') })
export type LoginVerifyBody = Static<typeof LoginVerifyBody>

export const SecondStepBody = Body({
  mfa_token: CharField(),
  code: Optional(Code()),
  recovery_code: Optional(Code()),
  webauthn: Optional(Credential('AuthenticationResponseJSON')),
})
export type SecondStepBody = Static<typeof SecondStepBody>

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
export type IdParams = Static<typeof IdParams>
