import type { OidcClient } from './clients-store.ts'

/** The wire shape of a relying party (API.md §15); never its secret hash. */
export function toOidcClientJson(client: OidcClient) {
  return {
    client_id: client.clientId,
    name: client.name,
    type: client.type,
    first_party: client.firstParty,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    created: new Date(client.createdAt).toISOString(),
    updated: new Date(client.updatedAt).toISOString(),
  }
}

/** At creation and rotation only: the secret of a confidential client, shown this once (a public client has none). */
export function toOidcClientWithSecretJson(client: OidcClient, secret: string | null) {
  return secret === null ? toOidcClientJson(client) : { ...toOidcClientJson(client), client_secret: secret }
}
