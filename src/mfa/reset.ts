import type { User } from '../accounts/user.ts'
import type { MfaDeps } from './deps.ts'
import { securityChangedEmail } from './emails.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/**
 * An operator removes every second factor of a user (API.md §12: POST /api/admin/users/{id}/reset-mfa/ and
 * `npm run cli -- users reset-mfa EMAIL`): TOTP, passkeys, recovery codes and pending logins go, every session of the
 * user ends, and the user is mailed.
 */
export function createMfaReset(deps: Pick<MfaDeps, 'db' | 'store' | 'outbox' | 'wakeMailer' | 'site' | 'clock' | 'revokeOtherSessions' | 'audit'>) {
  const { db, store } = deps
  /** `context` names the actor: the site admin of the API route, or the command line (`commandLineContext`). */
  return async function resetFactors(user: User, context: RequestContext): Promise<void> {
    const now = deps.clock()
    await db.transaction().execute(async (trx) => {
      await store.deleteTotp(trx, user.id)
      await store.deleteCredentialsOfUser(trx, user.id)
      await store.deleteRecoveryCodes(trx, user.id)
      await store.deleteMfaTokensOfUser(trx, user.id)
      await deps.revokeOtherSessions(trx, user.id, undefined, now)
      await deps.outbox.enqueue(trx, securityChangedEmail(deps.site, user.email, user.username, { kind: 'reset_by_admin' }), Date.now())
      // `via` as the other operator changes name theirs; the command line adds its own `admin.action` event.
      const via = context.operatorAction === undefined ? 'admin_reset' : 'operator'
      await deps.audit.record(trx, { type: 'mfa.disabled', context, userId: user.id, universityId: user.universityId, data: { method: 'all', via } })
    })
    deps.wakeMailer()
  }
}

export type MfaReset = ReturnType<typeof createMfaReset>
