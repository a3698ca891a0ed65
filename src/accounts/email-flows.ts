import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/field-checks.ts'
import type { Parsed } from '../platform/field-checks.ts'
import { encodeUid } from '../tokens/link-token.ts'
import { changeCredentials, currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { emailResetEmail } from './emails.ts'
import { linkUser, userFromLink } from './link-checks.ts'
import { storedLengthErrors } from './schemas.ts'
import type { EmailBody, ResetEmailConfirmBody, SetEmailBody } from './schemas.ts'
import type { User } from './store.ts'

const TAKEN = ['user with this email already exists.']

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

  async function replaceEmail(user: User, email: string): Promise<void> {
    await db.transaction().execute((trx) => changeCredentials(deps, trx, user.id, { email: email.toLowerCase() }))
  }

  return {
    /** POST /api/users/set_email/: the password and the new address are both field-level checks. */
    async setEmail(user: User, parsed: Parsed<SetEmailBody>): Promise<void> {
      const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
      if (wrong) parsed.errors.current_password = wrong
      await checkNewEmail(parsed)
      const body = complete(parsed)
      await replaceEmail(user, body.new_email)
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
    async confirmEmailReset(parsed: Parsed<ResetEmailConfirmBody>): Promise<void> {
      await checkNewEmail(parsed)
      const body = complete(parsed)
      const user = await userFromLink(deps, body.uid, body.token, 'email_reset')
      await replaceEmail(user, body.new_email)
    },
  }
}
