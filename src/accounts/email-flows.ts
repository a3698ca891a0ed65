import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { encodeUid } from '../links/link-token.ts'
import { changeCredentials, currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { emailResetEmail } from './emails.ts'
import { linkUser, userFromLink } from './link-checks.ts'
import { storedLengthErrors } from './schemas.ts'
import type { EmailBody, ResetEmailConfirmBody, SetEmailBody } from './schemas.ts'
import type { User } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

const TAKEN = [MESSAGES.emailTaken]

export function createEmailFlows(deps: AccountDeps) {
  const { db, store } = deps

  /**
   * The field-level checks of `new_email` that need more than the schema: the stored (lower-cased) address must
   * fit the column too, and must be free. Djoser validates without the user as instance, so the user's own
   * address counts as taken.
   */
  async function checkNewEmail(parsed: Parsed<{ new_email: string }>): Promise<void> {
    const email = parsed.value.new_email
    if (email === undefined) return
    const lengthErrors: FieldErrors = {}
    storedLengthErrors({ email }, lengthErrors)
    if (lengthErrors.email !== undefined) parsed.errors.new_email = lengthErrors.email
    else if (await store.emailTaken(email)) parsed.errors.new_email = TAKEN
  }

  async function replaceEmail(user: User, email: string, context: RequestContext, via: 'set_email' | 'reset_email'): Promise<void> {
    const newEmail = email.toLowerCase()
    await db.transaction().execute(async (trx) => {
      await changeCredentials(deps, trx, user.id, { email: newEmail })
      await deps.audit.record(trx, {
        type: 'email.changed', context, userId: user.id, universityId: user.universityId, data: { via, old_email: user.email, new_email: newEmail },
      })
    })
  }

  return {
    /** POST /api/users/set_email/: the password and the new address are both field-level checks. */
    async setEmail(user: User, parsed: Parsed<SetEmailBody>, context: RequestContext): Promise<void> {
      const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
      if (wrong) parsed.errors.current_password = wrong
      await checkNewEmail(parsed)
      const body = complete(parsed)
      await replaceEmail(user, body.new_email, context, 'set_email')
    },

    /**
     * POST /api/users/reset_email/. Same answer, in the same time, whether or not the account exists: prevents
     * account enumeration. The lookup and the mail run after the answer (deferred-work.ts).
     */
    requestEmailReset(body: EmailBody): Promise<void> {
      return deps.deferred.run('email reset request', async () => {
        const user = await store.findByEmail(body.email)
        if (user === undefined || !user.isActive) return
        const token = deps.linkTokens.make(linkUser(user), 'email_reset')
        const mail = emailResetEmail(deps.site, user.email, user.username, encodeUid(user.id), token)
        await db.transaction().execute((trx) => deps.outbox.enqueue(trx, mail, Date.now()))
        deps.wakeMailer()
      })
    },

    /** POST /api/users/reset_email_confirm/ */
    async confirmEmailReset(parsed: Parsed<ResetEmailConfirmBody>, context: RequestContext): Promise<void> {
      await checkNewEmail(parsed)
      const body = complete(parsed)
      const user = await userFromLink(deps, body.uid, body.token, 'email_reset')
      await replaceEmail(user, body.new_email, context, 'reset_email')
    },
  }
}
