import { Type } from '@sinclair/typebox'
import type { TObject, TProperties } from '@sinclair/typebox'
import { Body, CharField, IntegerField, Optional } from '../platform/http/fields.ts'
import {
  EmailBody, ProfileBody, ResetEmailConfirmBody, ResetPasswordConfirmBody, SetPasswordBody,
} from '../accounts/schemas.ts'
import { DepartmentBody, FacultyBody } from '../universities/schemas.ts'
import { AUDIT_TYPES } from '../audit/event-types.ts'
import { WebhookCreateBody } from '../webhooks/schemas.ts'
import { LoginBody } from '../tokens/schemas.ts'
import { CodeBody, DisableBody, PasswordBody, RecoveryCodesBody, RenameBody } from '../mfa/schemas.ts'

// The bodies of the pages' forms: the JSON routes' own schemas (the same fields, limits and messages), plus the form's
// CSRF token, which the CSRF check reads before validation (and validation then drops).
const CSRF = { _csrf: Optional(Type.String({ description: 'the per-browser CSRF token every form carries' })) }

function form<T extends TProperties>(schema: TObject<T>) {
  return Body({ ...schema.properties, ...CSRF })
}

/** Where to go after signing in: a same-origin path (anything else is ignored, next-path.ts). */
const Next = { next: Optional(CharField({ allowBlank: true, maxLength: 2000 })) }

export const LoginForm = Body({ ...LoginBody.properties, ...Next, ...CSRF })
/**
 * A WebAuthn answer of the browser (the JSON of @simplewebauthn/browser) as assets/pages/passkeys.js puts it in a
 * form's hidden field; the services check its shape (a wrong one is a failed ceremony, with the contract's message).
 */
const CredentialJson = () => CharField({ maxLength: 20_000 })

/**
 * The second step of a sign-in with MFA (API.md §12): the mfa_token of the first, and a TOTP or recovery code in
 * `code`, or a passkey's answer in `webauthn` (the `Use a passkey` button).
 */
export const MfaForm = Body({
  mfa_token: CharField({ maxLength: 200 }), code: Optional(CharField({ maxLength: 64 })), webauthn: Optional(CredentialJson()),
  /** The first step's `methods` (API.md §12), carried so the page offers `Use a passkey` only to a user with one. */
  methods: Optional(CharField({ allowBlank: true, maxLength: 100 })),
  ...Next, ...CSRF,
})
/** `Sign in with a passkey`: a usernameless login's answer (the service of POST /api/webauthn/login/verify/). */
export const PasskeyLoginForm = Body({ credential: CredentialJson(), ...Next, ...CSRF })
export const TotpSetupForm = form(PasswordBody)
/** The confirming code; `secret` is the one the page showed, carried back only to show its QR code again on an error. */
export const TotpConfirmForm = form(Body({ ...CodeBody.properties, secret: Optional(CharField({ allowBlank: true, maxLength: 64 })) }))
export const TotpDisableForm = form(DisableBody)
export const RecoveryCodesForm = form(RecoveryCodesBody)
export const PasskeyAddForm = form(Body({ credential: CredentialJson(), name: Optional(CharField({ allowBlank: true, maxLength: 100 })) }))
export const PasskeyRenameForm = form(RenameBody)
export const PasskeyRemoveForm = form(PasswordBody)
export const ResetRequestForm = form(EmailBody)
/** The mailed link's uid and token travel as hidden fields, so the per-account limits see the uid. */
export const ResetConfirmForm = form(ResetPasswordConfirmBody)
export const EmailResetConfirmForm = form(ResetEmailConfirmBody)
export const ProfileForm = form(ProfileBody)
export const PasswordForm = form(SetPasswordBody)
export const DeleteAccountForm = form(Body({ current_password: CharField() }))
export const CsrfOnlyForm = Body(CSRF)
export const UserTypeForm = form(Body({ user_type: IntegerField() }))
export const FacultyForm = form(FacultyBody)
export const DepartmentForm = form(DepartmentBody)

/**
 * /admin/webhooks/'s create form: POST /api/webhooks/'s url and description, and one checkbox per §13 event type (and
 * `*`) named `event:<type>`, as a urlencoded form keeps only the last value of a repeated key (body-parsers.ts).
 */
export const WEBHOOK_EVENT_CHOICES = ['*', ...AUDIT_TYPES] as const
export const WebhookForm = Body({
  url: WebhookCreateBody.properties.url,
  description: WebhookCreateBody.properties.description,
  ...Object.fromEntries(WEBHOOK_EVENT_CHOICES.map((type) => [`event:${type}`, Optional(Type.String({ description: `a checkbox: subscribe to ${type}` }))])),
  ...CSRF,
})

export const UidTokenParams = Type.Object({ uid: Type.String({ maxLength: 64 }), token: Type.String({ maxLength: 64 }) })
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) })
export const UserSessionParams = Type.Object({ id: Type.String({ maxLength: 64 }), session: Type.String({ maxLength: 64 }) })
export const NextQuery = Body({ next: Optional(Type.String()), reauth: Optional(Type.String()), notice: Optional(Type.String()) })
export const NoticeQuery = Body({ notice: Optional(Type.String()) })
export const UserSearchQuery = Body({
  q: Optional(Type.String({ maxLength: 100 })),
  type: Optional(Type.String()),
  university: Optional(Type.String()),
  active: Optional(Type.String()),
  page: Optional(Type.String()),
  notice: Optional(Type.String()),
})
/** /admin/audit/'s filters as a form sends them (blank = no filter); parseAuditQuery of GET /api/audit/ reads them. */
export const AuditPageQuery = Type.Object({
  user_id: Optional(Type.String({ description: 'Events concerning this user id.' })),
  type: Optional(Type.String({ description: 'An event type of API.md §13; blank for any.' })),
  since: Optional(Type.String({ description: 'ISO-8601 date-time: events at or after it.' })),
  until: Optional(Type.String({ description: 'ISO-8601 date-time: events at or before it.' })),
  cursor: Optional(Type.String({ description: 'The position of a `Next page` link.' })),
}, { additionalProperties: true })
export const UniversityStateQuery = Body({ state: Optional(Type.String()), notice: Optional(Type.String()) })

