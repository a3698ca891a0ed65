import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { Body, CharField, Optional } from '../platform/http/fields.ts'

// The bodies of /api/oidc/clients/ (API.md §15). `name` is checked by the route's schema (DRF's CharField); the lists,
// `type` and `first_party` by the service (DRF's ListField, ChoiceField and BooleanField messages): the schema
// documents them, validation.ts passes them through as they came.

export const MAX_REDIRECT_URIS = 20
export const MAX_URI_LENGTH = 2000

const RedirectUris = (description: string) => Type.Array(Type.String({ format: 'uri', maxLength: MAX_URI_LENGTH }), {
  description, maxItems: MAX_REDIRECT_URIS,
})
const RedirectUrisRequired = RedirectUris('Absolute `https://` URLs (`http://` only on localhost, 127.0.0.1 or [::1]), no fragment; '
  + 'matched exactly against `redirect_uri`. At least one.')
const PostLogoutUris = RedirectUris('Where RP-initiated logout may return to: the same rules; none by default.')
const ClientType = Type.String({ enum: ['confidential', 'public'], description: '`confidential` gets a secret; `public` has none and must use PKCE S256.' })
const FirstParty = Type.Boolean({ description: 'A first-party client skips the consent page. `false` by default.' })

export const OidcClientCreateBody = Body({
  name: CharField({ maxLength: 200 }),
  redirect_uris: RedirectUrisRequired,
  post_logout_redirect_uris: Optional(PostLogoutUris),
  type: ClientType,
  first_party: Optional(FirstParty),
})
export type OidcClientCreateBody = Static<typeof OidcClientCreateBody>

/** `type` is fixed at creation (a secret comes or goes with it): a PATCH ignores it, as DRF ignores a read-only field. */
export const OidcClientPatchBody = Body({
  name: Optional(CharField({ maxLength: 200 })),
  redirect_uris: Optional(RedirectUrisRequired),
  post_logout_redirect_uris: Optional(PostLogoutUris),
  first_party: Optional(FirstParty),
})
export type OidcClientPatchBody = Static<typeof OidcClientPatchBody>

export const OidcClientIdParams = Type.Object({ client_id: Type.String() })

export const OidcClientJson = Type.Object({
  client_id: Type.String(),
  name: Type.String(),
  type: Type.String({ enum: ['confidential', 'public'] }),
  first_party: Type.Boolean(),
  redirect_uris: Type.Array(Type.String({ format: 'uri' })),
  post_logout_redirect_uris: Type.Array(Type.String({ format: 'uri' })),
  created: Type.String({ format: 'date-time' }),
  updated: Type.String({ format: 'date-time' }),
}, { title: 'OidcClient' })

export const OidcClientWithSecretJson = Type.Object({
  ...OidcClientJson.properties,
  client_secret: Optional(Type.String({ description: 'Confidential clients only: shown only in this answer, stored hashed.' })),
}, { title: 'OidcClientWithSecret' })
