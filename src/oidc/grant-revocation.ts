import type { Db } from '../platform/db.ts'
import { createOidcPayloadStore } from './payload-store.ts'

// The models a grant's tokens live in (adapter.ts revokes the same ones by grant id); the Grant row itself is
// destroyed by its id, as oidc-provider does.
const GRANT_MEMBERS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']

/**
 * API.md §11, §15: revoking every session of a user (logout/all, a password change or reset, an email change,
 * deactivation, deletion, an admin's reset of second factors) revokes their OIDC grants too: every access and
 * refresh token issued to a relying party, and the remembered consent; and ends the provider's sessions of the user
 * (interaction-policy.ts would refuse them anyway, their UniLink session being gone). In the caller's transaction.
 */
export async function revokeOidcGrantsOfUser(trx: Db, userId: number): Promise<void> {
  const store = createOidcPayloadStore(trx)
  for (const grantId of await store.grantIdsForAccount(userId)) {
    await store.revokeByGrantId(grantId, GRANT_MEMBERS)
    await store.destroy('Grant', grantId)
  }
  for (const sessionId of await store.idsForAccount('Session', userId)) await store.destroy('Session', sessionId)
}

type RevokesSessions = { revokeSessionsOfUser(trx: Db, userId: number, now: number, except?: string): Promise<void> }

/**
 * The token store as the composition roots hand it out: when all of a user's sessions are revoked (no session is
 * kept), their OIDC grants go in the same transaction. Revoking only the *other* sessions (a second factor enrolled)
 * keeps them: the user is still signed in where they are, and a relying party's sign-in is not another session of ours.
 */
export function withOidcGrantRevocation<S extends RevokesSessions>(store: S): S {
  return {
    ...store,
    async revokeSessionsOfUser(trx: Db, userId: number, now: number, except?: string): Promise<void> {
      await store.revokeSessionsOfUser(trx, userId, now, except)
      if (except === undefined) await revokeOidcGrantsOfUser(trx, userId)
    },
  }
}
