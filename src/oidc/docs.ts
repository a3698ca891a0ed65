import { Type } from '@sinclair/typebox'
import { taggedDocs } from '../platform/openapi.ts'

// What the OpenAPI document says of the OpenID Provider (API.md §15). Its endpoints are oidc-provider's (panva,
// OpenID Certified): their parameters and answers are those of the RFCs named, so only the shape is sketched here.

const Json = (description: string) => Type.Object({}, { additionalProperties: true, description })
const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) }, {
  title: 'OAuthError', description: 'A standard OAuth 2.0 error (RFC 6749 §5.2).',
  examples: [{ error: 'invalid_grant', error_description: 'grant request is invalid' }],
})
const Redirect = Type.Null({ description: '`Location`: the next step (the interaction, or the client\'s redirect_uri with `code` or `error`).' })
const Html = (description: string) => Type.String({ description })
const oauth = (summary: string, description: string, ok: string, extra: Record<number, unknown> = {}) => ({
  summary, description, response: { 200: Json(ok), 400: OAuthError, 401: OAuthError, ...extra },
})
const browser = (summary: string, description: string) => ({
  summary, description, produces: ['text/html'], response: { 200: Html('A page'), 303: Redirect, 400: Html('The error page: the request cannot be sent back') },
})

export const oidcDocs = taggedDocs('openid connect', {
  discovery: {
    summary: 'OpenID Provider metadata', description: 'OpenID Connect Discovery 1.0.', response: { 200: Json('The provider\'s metadata.') },
  },
  jwks: {
    summary: 'Signing keys (JWKS)', description: 'ES256 and EdDSA public keys, each with a `kid` (API.md §15).', response: { 200: Json('`{"keys": [...]}`') },
  },
  authorization: browser('Authorization endpoint', 'Authorization code flow with PKCE (S256, required for public clients), `response_type=code`.'),
  resume: browser('Authorization endpoint: resume', 'Where an interaction returns to.'),
  token: oauth('Token endpoint', 'authorization_code and refresh_token grants; refresh tokens rotate, a reused one revokes its grant.', 'Tokens.'),
  userinfo: oauth('UserInfo endpoint', 'The claims of the access token\'s scopes; `Authorization: Bearer`.', 'Claims.'),
  revocation: oauth('Token revocation (RFC 7009)', 'A client revokes its own access or refresh token.', 'Revoked (or unknown).'),
  introspection: oauth('Token introspection (RFC 7662)', 'For confidential clients (resource servers).', '`{"active": ...}`'),
  endSession: browser('RP-initiated logout', 'OpenID Connect RP-Initiated Logout 1.0: asks the user, then ends the session.'),
  endSessionConfirm: browser('RP-initiated logout: the answer', 'The confirmation form\'s answer; redirects to post_logout_redirect_uri.'),
  endSessionSuccess: browser('RP-initiated logout: done', 'The signed-out page.'),
  interaction: browser('Interaction: sign-in, second factor, consent', 'Sends to /login/ when needed, then shows the consent page (`Allow`, `Deny`).'),
  consent: browser('Interaction: the consent answer', 'CSRF-protected form; `decision` is `allow` or `deny`.'),
})
