import { Type } from '@sinclair/typebox'
import { taggedDocs } from '../platform/openapi.ts'
import { BadRequestJson, DetailJson, JsonObject, NoContent, TokenErrorJson } from '../platform/response-shapes.ts'

// What the OpenAPI document says of each route of routes.ts and session-routes.ts (API.md §3, §6, §11). Answers
// every route of a kind shares (401, 403 CSRF, 415, 429, ...) are added by platform/openapi.ts.

const SET_COOKIE = {
  'Set-Cookie': {
    type: 'string',
    description: '`access` and `refresh`: `HttpOnly; Path=/; Max-Age=<AUTH_COOKIE_MAX_AGE>`, SameSite and Secure as configured.',
  },
}
const CLEAR_COOKIE = { 'Set-Cookie': { type: 'string', description: 'Both cookies deleted: empty, `Max-Age=0`, an `Expires` in the past.' } }

const TokenPair = (description: string) => ({
  ...JsonObject('TokenPair', description, {
    access: Type.String({ description: 'access token (JWT, HS256)' }),
    refresh: Type.Optional(Type.String({ description: 'refresh token; absent when ROTATE_REFRESH_TOKENS is off' })),
  }),
  headers: SET_COOKIE,
})

const invalidToken = TokenErrorJson('Invalid, expired, of the wrong type ("Token has wrong type") or revoked ("Token is blacklisted").',
  'Token is invalid or expired')

const SessionJson = JsonObject('Session', 'One login: the refresh tokens descended from one POST /api/jwt/create/.', {
  id: Type.String({ description: 'opaque' }),
  created: Type.String({ format: 'date-time' }),
  last_used: Type.String({ format: 'date-time', description: 'updated by each refresh' }),
  ip: Type.Union([Type.String(), Type.Null()], { description: 'of the login' }),
  user_agent: Type.Union([Type.String(), Type.Null()], { description: 'of the login' }),
  current: Type.Boolean({ description: 'the session of the calling token' }),
  amr: Type.Optional(Type.Array(Type.String(), {
    description: 'RFC 8176 methods of the login (`["pwd"]`, `["pwd", "otp"]`, `["hwk", "user"]`, …); listed once the user has a second factor (API.md §12)',
  })),
})

export const docs = {
  ...taggedDocs('tokens', {
    login: {
      summary: 'Log in: a token pair and cookies',
      description: 'Email matching is case-insensitive. A successful login invalidates earlier password-reset links.',
      response: {
        200: TokenPair('Both tokens, also set as cookies.'),
        401: {
          ...Type.Union([
            DetailJson('Unknown email, wrong password or inactive user.', 'No active account found with the given credentials'),
            Type.Object({
              detail: Type.String(), code: Type.Literal('mfa_required'), mfa_token: Type.String({ description: 'opaque; 5 minutes, 5 attempts' }),
              methods: Type.Array(Type.String({ examples: ['totp', 'webauthn', 'recovery_code'] })),
            }, { title: 'MfaRequired', description: 'The right password of a user with a second factor: finish with POST /api/jwt/create/mfa/ (API.md §12).' }),
          ], { description: 'Wrong credentials, or (right password, user with MFA) `mfa_required` with an mfa_token; no cookies.' }),
          headers: { 'WWW-Authenticate': { type: 'string' } },
        },
      },
    },
    refresh: {
      summary: 'Refresh: a new access (and, rotated, refresh) token',
      description: 'The `refresh` cookie if present, else body `refresh`. Rotation (the default) retires the token presented; '
        + 'presenting a retired token again revokes its whole session, except the token retired last within REFRESH_TOKEN_REUSE_INTERVAL '
        + '(10 s), which gets the same new refresh token again.',
      response: {
        200: TokenPair('New tokens, also set as cookies (only `access` when rotation is off).'),
        400: BadRequestJson({ refresh: ['This field is required.'] }),
        401: invalidToken,
      },
    },
    verify: {
      summary: 'Verify a token',
      description: 'The `access` cookie if present, else body `token`; access or refresh tokens.',
      response: {
        200: Type.Object({}, { description: 'The token is valid.', examples: [{}] }),
        400: BadRequestJson({ token: ['This field is required.'] }),
        401: TokenErrorJson('Invalid, expired or revoked.', 'Token is invalid or expired'),
      },
    },
    logout: {
      summary: 'Log out',
      description: 'Revokes the refresh token found (cookie, else body `refresh`) and the access token of the call; deletes the cookies.',
      response: { 204: { ...NoContent('Logged out.'), headers: CLEAR_COOKIE } },
    },
  }),
  ...taggedDocs('sessions', {
    logoutAll: {
      summary: 'Log out everywhere',
      description: 'Revokes every session of the user; deletes the cookies.',
      response: { 204: { ...NoContent('Every session revoked.'), headers: CLEAR_COOKIE } },
    },
    sessions: {
      summary: 'The signed-in user\'s sessions',
      description: 'Newest first.',
      response: { 200: Type.Array(SessionJson, { description: 'Sessions.' }) },
    },
    revokeSession: {
      summary: 'Revoke a session',
      description: 'Its refresh tokens and every access token issued from it stop working.',
      response: { 204: NoContent('Revoked.'), 404: DetailJson('Another user\'s or an unknown session.', 'Not found.') },
    },
  }),
}
