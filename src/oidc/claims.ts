import type { Account, FindAccount } from 'oidc-provider'
import type { User } from '../accounts/user.ts'
import { toFullUserJson } from '../accounts/serialize.ts'

/**
 * The claims of each scope (API.md §15). oidc-provider releases a claim only when a granted scope lists it, so
 * claimsOf() may return them all. `sub` is the user id, as the §3 tokens' `user_id`.
 */
export const SCOPE_CLAIMS = {
  // acr, amr and auth_time are set from the sign-in (API.md §12) and released in every ID token, not only when asked for.
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture'],
  email: ['email', 'email_verified'],
  unilink: ['user_type', 'university', 'department'],
} as const

export const SCOPES = ['openid', 'offline_access', 'profile', 'email', 'unilink'] as const

/** What the consent page says of each scope it asks for. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are (your account id)',
  profile: 'Your name, username and profile picture',
  email: 'Your email address',
  unilink: 'Your user type, university and department',
  offline_access: 'Stay signed in to it when you are away (a refresh token)',
}

/** The claims of a user; `issuer` makes the picture URL absolute, as relying parties live on other origins. */
export function claimsOf(user: User, issuer: string): Record<string, unknown> & { sub: string } {
  const json = toFullUserJson(user, issuer)
  const name = `${user.firstName} ${user.lastName}`.trim()
  return {
    sub: String(user.id),
    name: name === '' ? user.username : name,
    given_name: user.firstName,
    family_name: user.lastName,
    preferred_username: user.username,
    picture: json.profile_picture,
    email: user.email,
    // Only an activated account signs in, and activation is following the link mailed to this address (API.md §4).
    email_verified: user.isActive,
    user_type: user.userType,
    university: user.universityId,
    department: user.departmentId,
  }
}

/**
 * oidc-provider's findAccount: the active user of a `sub`. A deactivated or deleted user is no account, so every
 * token issued to them stops working at userinfo and introspection (API.md §11).
 */
export function accountFinder(findActiveUser: (id: number) => Promise<User | undefined>, issuer: string): FindAccount {
  return async (_ctx, sub): Promise<Account | undefined> => {
    if (!/^\d{1,15}$/.test(sub)) return undefined
    const user = await findActiveUser(Number(sub))
    if (user === undefined) return undefined
    return { accountId: sub, claims: () => claimsOf(user, issuer) }
  }
}
