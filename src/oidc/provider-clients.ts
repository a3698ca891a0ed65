import type { Adapter, AdapterPayload } from 'oidc-provider'
import type { OidcClient } from './clients-store.ts'

/**
 * A registered client (API.md §15) as oidc-provider's client metadata. Confidential: client_secret_basic (or _post,
 * which oidc-provider accepts alike), its `client_secret` the stored SHA-256 that provider.ts compares against.
 * Public: no secret (`none`), so PKCE is required (provider-config.ts). Redirect URIs are matched exactly.
 */
export function clientMetadata(client: OidcClient): AdapterPayload {
  return {
    client_id: client.clientId,
    client_name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: 'ES256',
    ...(client.type === 'confidential' && client.secretHash !== null
      ? { token_endpoint_auth_method: 'client_secret_basic', client_secret: client.secretHash }
      : { token_endpoint_auth_method: 'none' }),
  }
}

/**
 * The provider's `Client` model, read from our oidc_clients table on each lookup (oidc-provider caches the
 * parsed client by the hash of its metadata, so a changed client is seen at once). Clients are managed by the
 * clients API and CLI, never through the provider: its writes are refused.
 */
export function clientAdapter(findClient: (clientId: string) => Promise<OidcClient | undefined>): Adapter {
  const readOnly = async (): Promise<never> => { throw new Error('OIDC clients are managed through /api/oidc/clients/, not the provider') }
  return {
    async find(id) {
      const client = await findClient(id)
      return client === undefined ? undefined : clientMetadata(client)
    },
    upsert: readOnly,
    destroy: readOnly,
    consume: readOnly,
    revokeByGrantId: async () => undefined,
    findByUid: async () => undefined,
    findByUserCode: async () => undefined,
  }
}
