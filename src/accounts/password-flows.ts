import { AppError } from '../platform/errors.ts'
import { complete, throwFieldErrors } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { encodeUid } from '../links/link-token.ts'
import { changeCredentials, currentPasswordErrors } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { passwordResetEmail } from './emails.ts'
import { checkLink, linkUser, passwordErrors, userNamedByUid } from './link-checks.ts'
import type { EmailBody, ResetPasswordConfirmBody, SetPasswordBody } from './schemas.ts'
import type { User } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

const attributesOf = (user: User) => ({ username: user.username, firstName: user.firstName, lastName: user.lastName, email: user.email })

export function createPasswordFlows(deps: AccountDeps) {
  const { db, store, hasher } = deps

  async function replacePassword(user: User, password: string, event: { type: 'password.changed' | 'password.reset'; context: RequestContext }) {
    const hash = await hasher.hash(password)
    await db.transaction().execute(async (trx) => {
      await changeCredentials(deps, trx, user.id, { password: hash })
      await deps.audit.record(trx, { ...event, userId: user.id, universityId: user.universityId })
    })
  }

  return {
    /** POST /api/users/set_password/ */
    async setPassword(user: User, parsed: Parsed<SetPasswordBody>, context: RequestContext): Promise<void> {
      const wrong = await currentPasswordErrors(deps, user.password, parsed.value.current_password)
      if (wrong) parsed.errors.current_password = wrong
      const body = complete(parsed)
      throwFieldErrors(passwordErrors(deps, body.new_password, attributesOf(user), 'new_password'))
      if (body.new_password !== body.re_new_password) throw AppError.nonField(MESSAGES.passwordMismatch)
      await replacePassword(user, body.new_password, { type: 'password.changed', context })
    },

    /**
     * POST /api/users/reset_password/. Same answer, in the same time, whether or not the account exists: prevents
     * account enumeration. The lookup and the mail run after the answer (deferred-work.ts).
     */
    requestPasswordReset(body: EmailBody, context: RequestContext): Promise<void> {
      return deps.deferred.run('password reset request', async () => {
        const user = await store.findByEmail(body.email)
        if (user === undefined || !user.isActive) return
        await queuePasswordResetMail(deps, user, context)
      })
    },

    /**
     * POST /api/users/reset_password_confirm/. Djoser's PasswordResetConfirmRetypeSerializer checks the password and
     * its retype before uid and token (API.md §5 as amended), so a weak password is reported alone, even with a bad
     * token. Unlike Djoser (§10) the similarity check compares against the user the uid names, when it names one.
     */
    async confirmPasswordReset(body: ResetPasswordConfirmBody, context: RequestContext): Promise<void> {
      const named = await userNamedByUid(deps, body.uid)
      throwFieldErrors(passwordErrors(deps, body.new_password, named === undefined ? {} : attributesOf(named), 'new_password'))
      if (body.new_password !== body.re_new_password) throw AppError.nonField(MESSAGES.passwordMismatch)
      const user = checkLink(deps, named, body.token, 'password_reset')
      await replacePassword(user, body.new_password, { type: 'password.reset', context })
    },
  }
}

/** Queues the mail of a password reset request, recorded (API.md §13) with it. */
async function queuePasswordResetMail(deps: AccountDeps, user: User, context: RequestContext): Promise<void> {
  const token = deps.linkTokens.make(linkUser(user), 'password_reset')
  const mail = passwordResetEmail(deps.site, user.email, user.username, encodeUid(user.id), token)
  await deps.db.transaction().execute(async (trx) => {
    await deps.outbox.enqueue(trx, mail, Date.now())
    await deps.audit.record(trx, { type: 'password.reset_requested', context, userId: user.id, universityId: user.universityId })
  })
  deps.wakeMailer()
}
