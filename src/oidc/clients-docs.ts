import { Type } from '@sinclair/typebox'
import { BadRequestJson, DetailJson, NoContent } from '../platform/response-shapes.ts'
import { taggedDocs } from '../platform/openapi.ts'
import { OidcClientJson, OidcClientWithSecretJson } from './clients-schemas.ts'

// What the OpenAPI document says of /api/oidc/clients/ (API.md §15). Shared answers (401, 415, ...) come from platform/openapi.ts.

const forbidden = DetailJson('Not a site admin.', 'You do not have permission to perform this action.')
const notFound = DetailJson('No such client.', 'Not found.')
const badBody = BadRequestJson({
  redirect_uris: { 0: ['Enter an https URL; http is allowed only on localhost, 127.0.0.1 or [::1].'] },
  type: ['"private" is not a valid choice.'],
})
const secretOnce = 'A confidential client\'s `client_secret` is in this answer only (stored as its SHA-256): put it in the client\'s '
  + 'configuration now. A public client has none and must use PKCE S256.'

export const clientDocs = taggedDocs('oidc', {
  create: {
    summary: 'Register an OpenID Connect client',
    description: `Site admins. Redirect URIs are matched exactly: https, or http on localhost / 127.0.0.1 / [::1], no fragment. ${secretOnce}`,
    response: { 201: OidcClientWithSecretJson, 400: badBody, 403: forbidden },
  },
  list: {
    summary: 'List OpenID Connect clients', description: 'Site admins; oldest first, without secrets.',
    response: { 200: Type.Array(OidcClientJson), 403: forbidden },
  },
  get: { summary: 'An OpenID Connect client', response: { 200: OidcClientJson, 403: forbidden, 404: notFound } },
  update: {
    summary: 'Change an OpenID Connect client',
    description: '`name`, `redirect_uris`, `post_logout_redirect_uris`, `first_party`, each optional, with the checks of creation; '
      + '`type` is fixed at creation and ignored here.',
    response: { 200: OidcClientJson, 400: badBody, 403: forbidden, 404: notFound },
  },
  remove: {
    summary: 'Delete an OpenID Connect client',
    description: 'Its users can no longer sign in to it; the provider no longer knows its client_id.',
    response: { 204: NoContent('Deleted.'), 403: forbidden, 404: notFound },
  },
  rotateSecret: {
    summary: 'Rotate a client secret',
    description: 'Confidential clients: a new `client_secret`, shown only in this answer; the old one stops working at once.',
    response: {
      200: OidcClientWithSecretJson, 400: DetailJson('A public client.', 'A public client has no secret to rotate.'), 403: forbidden, 404: notFound,
    },
  },
})
