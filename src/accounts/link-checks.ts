import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { decodeUid } from '../links/link-token.ts'
import type { LinkPurpose, LinkTokenUser } from '../links/link-token.ts'
import type { AccountDeps } from './deps.ts'
import { validatePassword } from './password-validators.ts'
import type { User } from './user.ts'

/** Djoser's UidAndTokenSerializer: the uid must name a user, and the token must be valid for that user and purpose. */
export async function userFromLink(deps: AccountDeps, uid: string, token: string, purpose: LinkPurpose): Promise<User> {
  const id = decodeUid(uid)
  const user = id === null ? undefined : await deps.store.findById(id)
  if (user === undefined) throw AppError.fields({ uid: ["Invalid user id or user doesn't exist."] })
  if (!deps.linkTokens.check(linkUser(user), purpose, token)) throw AppError.fields({ token: ['Invalid token for given user.'] })
  return user
}

export function linkUser(user: User): LinkTokenUser {
  return {
    id: user.id, password: user.password, lastLogin: user.lastLogin === null ? null : new Date(user.lastLogin), email: user.email,
    isActive: user.isActive, tokensValidAfter: user.tokensValidAfter,
  }
}

/** Django's validate_password (API.md §5), reported under `field`, checked against the user's own attributes. */
export function passwordErrors(
  deps: AccountDeps, password: string, user: { username?: string; firstName?: string; lastName?: string; email?: string }, field: string,
): FieldErrors {
  const messages = validatePassword(password, user, deps.commonPasswords)
  return messages.length > 0 ? { [field]: messages } : {}
}
