import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { decodeUid } from '../links/link-token.ts'
import type { LinkPurpose, LinkTokenUser } from '../links/link-token.ts'
import type { AccountDeps } from './deps.ts'
import { validatePassword } from './password-validators.ts'
import type { User } from './user.ts'

/** The user a link's uid names, if it is well-formed and names one. */
export async function userNamedByUid(deps: AccountDeps, uid: string): Promise<User | undefined> {
  const id = decodeUid(uid)
  return id === null ? undefined : deps.store.findById(id)
}

/** Djoser's UidAndTokenSerializer on a looked-up uid: it must name a user, and the token be valid for them and the purpose. */
export function checkLink(deps: AccountDeps, user: User | undefined, token: string, purpose: LinkPurpose): User {
  if (user === undefined) throw AppError.fields({ uid: ["Invalid user id or user doesn't exist."] })
  if (!deps.linkTokens.check(linkUser(user), purpose, token)) throw AppError.fields({ token: ['Invalid token for given user.'] })
  return user
}

export async function userFromLink(deps: AccountDeps, uid: string, token: string, purpose: LinkPurpose): Promise<User> {
  return checkLink(deps, await userNamedByUid(deps, uid), token, purpose)
}

export function linkUser(user: User): LinkTokenUser {
  return {
    id: user.id, password: user.password, lastLogin: user.lastLogin === null ? null : new Date(user.lastLogin), email: user.email,
    tokensValidAfter: user.tokensValidAfter,
  }
}

/** Django's validate_password (API.md §5), reported under `field`, checked against the user's own attributes. */
export function passwordErrors(
  deps: AccountDeps, password: string, user: { username?: string; firstName?: string; lastName?: string; email?: string }, field: string,
): FieldErrors {
  const messages = validatePassword(password, user, deps.commonPasswords)
  return messages.length > 0 ? { [field]: messages } : {}
}
