import type { Db } from '../platform/db.ts'
import type { AccountDeps } from './deps.ts'
import type { UserPatch } from './user.ts'

/**
 * Applies a change to a user's credentials or standing (password, email, deactivation) and, in the same
 * transaction, ends every session and every token issued before it (API.md §11): a stolen token dies with the change.
 */
export async function changeCredentials(
  deps: Pick<AccountDeps, 'store' | 'revokeSessionsOfUser'>, trx: Db, userId: number, patch: UserPatch,
): Promise<void> {
  const now = Date.now()
  await deps.store.update(trx, userId, { ...patch, tokensValidAfter: now })
  await deps.revokeSessionsOfUser(trx, userId, now)
}

/** Verifies the current password of a field-level `current_password` check; a wrong one is a field error. */
export async function currentPasswordErrors(deps: AccountDeps, hash: string, password: string | undefined): Promise<string[] | null> {
  if (password === undefined) return null
  return (await deps.hasher.verify(password, hash)) ? null : ['Invalid password.']
}
