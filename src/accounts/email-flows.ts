import { complete } from '../platform/field-checks.ts'
import type { Parsed } from '../platform/field-checks.ts'
import { encodeUid } from '../tokens/link-token.ts'
import { changeCredentials, currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { emailResetEmail } from './emails.ts'
import { linkUser, userFromLink } from './link-checks.ts'
import type { EmailBody, ResetEmailConfirmBody, SetEmailBody } from './schemas.ts'
import type { User } from './store.ts'

const TAKEN = ['user with this email already exists.']

export function createEmailFlows(deps: AccountDeps) {
  const { db, store } = deps

  async function replaceEmail(user: User, email: string): Promise<void> {
    await db.transaction().execute((trx) => changeCredentials(deps, trx, user.id, { email: email.toLowerCase() }))
  }

  return {
    /** POST /api/users/set_email/: the password and the new address are both field-level checks. */
    async setEmail(user: User, parsed: Parsed<SetEmailBody>): Promise<void> {
      const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
      if (wrong) parsed.errors.current_password = wrong
      if (parsed.value.new_email !== undefined && await store.emailTaken(parsed.value.new_email, user.id)) parsed.errors.new_email = TAKEN
      const body = complete(parsed)
      await replaceEmail(user, body.new_email)
    },

    /** POST /api/users/reset_email/ */
    async requestEmailReset(body: EmailBody): Promise<void> {
      const user = await store.findByEmail(body.email)
      // Same answer whether or not the account exists: prevents account enumeration.
      if (user === undefined || !user.isActive) return
      const token = deps.linkTokens.make(linkUser(user), 'email_reset')
      const mail = emailResetEmail(deps.site, user.email, user.username, encodeUid(user.id), token)
      await db.transaction().execute((trx) => deps.outbox.enqueue(trx, mail, Date.now()))
      deps.wakeMailer()
    },

    /** POST /api/users/reset_email_confirm/ */
    async confirmEmailReset(parsed: Parsed<ResetEmailConfirmBody>): Promise<void> {
      if (parsed.value.new_email !== undefined && await store.emailTaken(parsed.value.new_email)) parsed.errors.new_email = TAKEN
      const body = complete(parsed)
      const user = await userFromLink(deps, body.uid, body.token, 'email_reset')
      await replaceEmail(user, body.new_email)
    },
  }
}
