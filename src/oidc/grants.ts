import type { Configuration, KoaContextWithOIDC } from 'oidc-provider'
import type { OidcClient } from './clients-store.ts'

type GrantLookup = {
  /** Ids of the provider's Grant payloads of a user, newest first (the storage adapter's `account_id` index). */
  grantIdsOfAccount: (accountId: string) => Promise<string[]>
  findClient: (clientId: string) => Promise<OidcClient | undefined>
}

type GrantInstance = NonNullable<Awaited<ReturnType<NonNullable<Configuration['loadExistingGrant']>>>>

/**
 * oidc-provider's loadExistingGrant. Its default remembers a consent per browser session; API.md §15 remembers it per
 * user and client, so a user who consented once is not asked again after signing out and in. A first-party client
 * (a university's own service, flagged by a site admin) gets every scope it asks for without a consent page.
 */
export function grantLoader(deps: GrantLookup): NonNullable<Configuration['loadExistingGrant']> {
  return async (ctx: KoaContextWithOIDC) => {
    const { provider, session, client, result } = ctx.oidc
    const accountId = session?.accountId
    if (client === undefined || accountId === undefined) return undefined
    // A grant of another user or client is never reused (the provider throws on a mismatch: it would be a 500).
    const usable = (grant: GrantInstance | undefined): GrantInstance | undefined =>
      grant !== undefined && grant.accountId === accountId && grant.clientId === client.clientId ? grant : undefined
    const known = result?.consent?.grantId ?? session?.grantIdFor(client.clientId)
    let grant = known === undefined ? undefined : usable(await provider.Grant.find(known))
    for (const id of grant === undefined ? await deps.grantIdsOfAccount(accountId) : []) {
      grant = usable(await provider.Grant.find(id))
      if (grant !== undefined) break
    }
    const registered = await deps.findClient(client.clientId)
    if (registered?.firstParty === true) {
      grant ??= new provider.Grant({ accountId, clientId: client.clientId })
      grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes])
      await grant.save()
    }
    return grant
  }
}
