import type { User } from '../accounts/user.ts'
import type { MfaDeps } from './deps.ts'
import { securityChangedEmail } from './emails.ts'

/**
 * An operator removes every second factor of a user (API.md §12: POST /api/admin/users/{id}/reset-mfa/ and
 * `npm run cli -- users reset-mfa EMAIL`): TOTP, passkeys, recovery codes and pending logins go, every session of the
 * user ends, and the user is mailed.
 */
export function createMfaReset(deps: Pick<MfaDeps, 'db' | 'store' | 'outbox' | 'wakeMailer' | 'site' | 'clock' | 'revokeOtherSessions' | 'onSecurityEvent'>) {
  const { db, store } = deps
  return async function resetFactors(user: User, by: { adminId: number } | 'cli'): Promise<void> {
    const now = deps.clock()
    await db.transaction().execute(async (trx) => {
      await store.deleteTotp(trx, user.id)
      await store.deleteCredentialsOfUser(trx, user.id)
      await store.deleteRecoveryCodes(trx, user.id)
      await store.deleteMfaTokensOfUser(trx, user.id)
      await deps.revokeOtherSessions(trx, user.id, undefined, now)
      await deps.outbox.enqueue(trx, securityChangedEmail(deps.site, user.email, user.username, { kind: 'reset_by_admin' }), Date.now())
      const data = by === 'cli'
        ? { method: 'all' as const, reason: 'cli_reset' as const }
        : { method: 'all' as const, reason: 'admin_reset' as const, by: by.adminId }
      await deps.onSecurityEvent(trx, { type: 'mfa.disabled', userId: user.id, data })
    })
    deps.wakeMailer()
  }
}

export type MfaReset = ReturnType<typeof createMfaReset>
