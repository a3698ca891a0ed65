import { AppError } from '../platform/errors.ts'
import { complete, throwFieldErrors } from '../platform/field-checks.ts'
import type { Parsed } from '../platform/field-checks.ts'
import { encodeUid } from '../tokens/link-token.ts'
import { changeCredentials, currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { passwordResetEmail } from './emails.ts'
import { linkUser, passwordErrors, userFromLink } from './link-checks.ts'
import type { EmailBody, ResetPasswordConfirmBody, SetPasswordBody } from './schemas.ts'
import type { User } from './store.ts'

const attributesOf = (user: User) => ({ username: user.username, firstName: user.firstName, lastName: user.lastName, email: user.email })

export function createPasswordFlows(deps: AccountDeps) {
  const { db, store, hasher } = deps

  async function replacePassword(user: User, password: string): Promise<void> {
    const hash = await hasher.hash(password)
    await db.transaction().execute((trx) => changeCredentials(deps, trx, user.id, { password: hash }))
  }

  return {
    /** POST /api/users/set_password/ */
    async setPassword(user: User, parsed: Parsed<SetPasswordBody>): Promise<void> {
      const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
      if (wrong) parsed.errors.current_password = wrong
      const body = complete(parsed)
      throwFieldErrors(passwordErrors(deps, body.new_password, attributesOf(user), 'new_password'))
      if (body.new_password !== body.re_new_password) throw AppError.nonField("The two password fields didn't match.")
      await replacePassword(user, body.new_password)
    },

    /**
     * POST /api/users/reset_password/. Same answer, in the same time, whether or not the account exists: prevents
     * account enumeration. The lookup and the mail run after the answer (deferred-work.ts).
     */
    requestPasswordReset(body: EmailBody): Promise<void> {
      return deps.deferred.run('password reset request', async () => {
        const user = await store.findByEmail(body.email)
        if (user === undefined || !user.isActive) return
        await queuePasswordResetMail(deps, user)
      })
    },

    /** POST /api/users/reset_password_confirm/ */
    async confirmPasswordReset(body: ResetPasswordConfirmBody): Promise<void> {
      const user = await userFromLink(deps, body.uid, body.token, 'password_reset')
      throwFieldErrors(passwordErrors(deps, body.new_password, attributesOf(user), 'new_password'))
      if (body.new_password !== body.re_new_password) throw AppError.nonField("The two password fields didn't match.")
      await replacePassword(user, body.new_password)
    },
  }
}

/** Queues a set-password link; also used for accounts created without a password (university admins, faculty). */
export async function queuePasswordResetMail(deps: AccountDeps, user: User): Promise<void> {
  const token = deps.linkTokens.make(linkUser(user), 'password_reset')
  const mail = passwordResetEmail(deps.site, user.email, user.username, encodeUid(user.id), token)
  await deps.db.transaction().execute((trx) => deps.outbox.enqueue(trx, mail, Date.now()))
  deps.wakeMailer()
}
