import { Type } from '@sinclair/typebox'
import { taggedDocs } from '../platform/openapi.ts'
import { BadRequestJson, DetailJson, JsonObject, NoContent } from '../platform/response-shapes.ts'

// What the OpenAPI document says of the routes of API.md §12 (routes.ts, passkey-routes.ts). The answers every
// route of a kind shares (401, 403 CSRF, 415, 429, ...) are added by platform/openapi.ts.

const Codes = Type.Array(Type.String({ examples: ['abcd-efgh'] }), { description: '10 recovery codes `xxxx-xxxx`, shown once' })
const Passkey = JsonObject('Passkey', 'A registered passkey.', {
  id: Type.Integer(), name: Type.String(), created: Type.String({ format: 'date-time' }),
  last_used: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
})
const TokenPair = JsonObject('TokenPair', 'Exactly what POST /api/jwt/create/ answers: both tokens, also set as cookies.', {
  access: Type.String(), refresh: Type.String(),
})
const MfaTokenInvalid = Type.Object({ detail: Type.String(), code: Type.Literal('mfa_token_invalid') }, {
  title: 'MfaTokenInvalid', description: 'Unknown, expired, used or exhausted mfa_token.',
  examples: [{ detail: 'Token is invalid or expired', code: 'mfa_token_invalid' }],
})
const Options = (what: string) => Type.Object({}, { additionalProperties: true, description: `${what}; pass it to @simplewebauthn/browser as \`optionsJSON\`` })

export const docs = {
  ...taggedDocs('second factors', {
    status: {
      summary: 'Second factors of the caller',
      response: {
        200: JsonObject('MfaStatus', 'What the user has enrolled.', {
          enabled: Type.Boolean(), totp: Type.Boolean(), passkeys: Type.Integer(), recovery_codes_left: Type.Integer(),
          required: Type.Boolean({ description: 'the user type is in MFA_REQUIRED_USER_TYPES' }),
        }),
      },
    },
    totpSetup: {
      summary: 'Start a TOTP setup',
      description: 'Pending until confirmed; a new setup replaces a pending one.',
      response: {
        200: JsonObject('TotpSetup', 'The secret, its otpauth:// URL and that URL as a QR code (SVG).', {
          secret: Type.String({ description: 'base32' }), otpauth_url: Type.String(), qr_svg: Type.String(),
        }),
        400: BadRequestJson({ non_field_errors: ['Two-factor authentication is already enabled.'] }),
      },
    },
    totpConfirm: {
      summary: 'Confirm the TOTP setup with a code',
      description: 'Recovery codes only when this is the first factor; other sessions of the user are revoked and a mail is sent.',
      response: {
        200: JsonObject('RecoveryCodes', 'The recovery codes ([] unless first).', { recovery_codes: Codes }),
        400: BadRequestJson({ code: ['Invalid code.'] }),
      },
    },
    totpDisable: {
      summary: 'Remove the TOTP authenticator',
      description: '`code` is a TOTP code or a recovery code.',
      response: { 204: NoContent('Removed.'), 400: BadRequestJson({ code: ['Invalid code.'] }) },
    },
    recoveryCodes: {
      summary: 'New recovery codes',
      description: '`code` (TOTP or recovery) is needed unless the calling session signed in with a second factor. The old codes stop working.',
      response: { 200: JsonObject('NewRecoveryCodes', '10 new codes.', { recovery_codes: Codes }), 400: BadRequestJson({ code: ['Invalid code.'] }) },
    },
    secondStep: {
      summary: 'Finish a login with a second factor',
      description: '`mfa_token` from the `mfa_required` answer of POST /api/jwt/create/, plus one of `code` (TOTP), `recovery_code` or '
        + '`webauthn` (AuthenticationResponseJSON to a challenge from POST /api/webauthn/login/options/ with the mfa_token). '
        + 'A wrong factor uses one of the token\'s 5 attempts.',
      response: {
        200: TokenPair,
        400: BadRequestJson({ code: ['Invalid code.'] }),
        401: MfaTokenInvalid,
      },
    },
    adminReset: {
      summary: 'Remove every second factor of a user (site admin)',
      description: 'Removes TOTP, passkeys and recovery codes, revokes every session of that user and mails them.',
      response: { 204: NoContent('Reset.'), 404: DetailJson('No such user.', 'Not found.') },
    },
  }),
  ...taggedDocs('passkeys', {
    registerOptions: { summary: 'Options to register a passkey', response: { 200: Options('PublicKeyCredentialCreationOptionsJSON') } },
    registerVerify: {
      summary: 'Register a passkey',
      description: '`credential`: the RegistrationResponseJSON of startRegistration(); `name`: a label (default "Passkey").',
      response: {
        201: JsonObject('NewPasskey', 'The passkey, with recovery codes when it is the first factor.', { ...Passkey.properties, recovery_codes: Codes }),
        400: BadRequestJson({ credential: ['Passkey registration failed.'] }),
      },
    },
    list: { summary: 'The caller\'s passkeys', response: { 200: Type.Array(Passkey, { description: 'By id.' }) } },
    rename: { summary: 'Rename a passkey', response: { 200: Passkey, 404: DetailJson('Not the caller\'s passkey.', 'Not found.') } },
    remove: {
      summary: 'Remove a passkey',
      description: 'Needs `current_password`; other sessions are revoked and a mail is sent.',
      response: { 204: NoContent('Removed.'), 404: DetailJson('Not the caller\'s passkey.', 'Not found.') },
    },
    loginOptions: {
      summary: 'Options to sign in with a passkey',
      description: '`{}` for a usernameless login, `{"mfa_token"}` for the second step of a password login '
        + '(allowCredentials then lists that user\'s passkeys).',
      response: { 200: Options('PublicKeyCredentialRequestOptionsJSON'), 401: MfaTokenInvalid },
    },
    loginVerify: {
      summary: 'Sign in with a passkey',
      description: 'A passkey with user verification counts as both factors (`amr` `["hwk", "user"]`).',
      response: { 200: TokenPair, 401: DetailJson('Any failure.', 'Passkey not recognised.') },
    },
  }),
}
