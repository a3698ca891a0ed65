import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { complete, throwFieldErrors } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { encodeUid } from '../links/link-token.ts'
import type { AccountDeps } from './deps.ts'
import { activationEmail } from './emails.ts'
import { linkUser, passwordErrors, userFromLink } from './link-checks.ts'
import { storedLengthErrors } from './schemas.ts'
import type { EmailBody, RegisterBody, UidTokenBody } from './schemas.ts'
import { USER_TYPE } from './user.ts'
import type { User } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/** Django's is_password_usable: set_unusable_password() stores '!' followed by random characters. */
const hasUsablePassword = (user: User): boolean => !user.password.startsWith('!')

/**
 * Only an account that was never activated can be activated by a link. A deactivated one (disapproved university
 * admin, an operator's decision, a credential change) has its "tokens valid after" instant set, and must not be able
 * to undo that with a link it asked for itself.
 */
const awaitsActivation = (user: User): boolean => !user.isActive && user.tokensValidAfter === 0

export function createRegistration(deps: AccountDeps) {
  const { db, store, outbox, hasher, linkTokens, universities, site } = deps

  async function queueActivationMail(trx: typeof db, user: User, now: number): Promise<void> {
    const token = linkTokens.make(linkUser(user), 'activation')
    await outbox.enqueue(trx, activationEmail(site, user.email, encodeUid(user.id), token), now)
  }

  /** Field-level checks that need the database, reported with the schema's errors (DRF's order). */
  async function relationErrors(body: Partial<RegisterBody>, errors: FieldErrors): Promise<void> {
    if (body.email !== undefined && await store.emailTaken(body.email)) errors.email = [MESSAGES.emailTaken]
    if (body.username !== undefined && await store.usernameTaken(body.username)) {
      errors.username = [MESSAGES.usernameTaken]
    }
    storedLengthErrors(body, errors)
    const universityId = body.university ?? null
    if (universityId !== null && !await universities.isSelectableUniversity(universityId)) {
      errors.university = [MESSAGES.invalidPk(universityId)]
    }
    const departmentId = body.department ?? null
    if (departmentId !== null && errors.university === undefined && !await universities.isDepartmentOf(departmentId, universityId)) {
      errors.department = [MESSAGES.invalidPk(departmentId)]
    }
  }

  return {
    /** POST /api/users/: an inactive student account and its activation mail, in one transaction. */
    async register(parsed: Parsed<RegisterBody>, context: RequestContext): Promise<User> {
      await relationErrors(parsed.value, parsed.errors)
      const body = complete(parsed)
      const attributes = { username: body.username, firstName: body.first_name, lastName: body.last_name, email: body.email }
      throwFieldErrors(passwordErrors(deps, body.password, attributes, 'password'))
      if (body.password !== body.re_password) throw AppError.nonField(MESSAGES.passwordMismatch)
      const password = await hasher.hash(body.password)
      const now = Date.now()
      const user = await db.transaction().execute(async (trx) => {
        const created = await store.createUserRecord(trx, {
          email: body.email, username: body.username, firstName: body.first_name, lastName: body.last_name, password,
          universityId: body.university ?? null, departmentId: body.department ?? null, userType: USER_TYPE.STUDENT, isActive: false,
        }, now)
        await queueActivationMail(trx, created, now)
        await deps.audit.record(trx, {
          type: 'user.registered', context, userId: created.id, universityId: created.universityId,
          data: { via: 'registration', email: created.email, username: created.username, user_type: created.userType },
        })
        return created
      })
      deps.wakeMailer()
      return user
    },

    /** POST /api/users/activation/ */
    async activate(body: UidTokenBody, context: RequestContext): Promise<void> {
      const user = await userFromLink(deps, body.uid, body.token, 'activation')
      if (!awaitsActivation(user)) throw AppError.permissionDenied('Stale token for given user.')
      await db.transaction().execute(async (trx) => {
        await store.update(trx, user.id, { isActive: true })
        await deps.audit.record(trx, { type: 'user.activated', context, userId: user.id, universityId: user.universityId, data: { via: 'link' } })
      })
    },

    /**
     * POST /api/users/resend_activation/. Same answer, in the same time, whether or not the account exists, or is
     * already active: prevents account enumeration. The lookup and the mail run after the answer (deferred-work.ts).
     */
    resendActivation(body: EmailBody): Promise<void> {
      return deps.deferred.run('activation resend request', async () => {
        const user = await store.findByEmail(body.email)
        // No mail for an account without a usable password (Djoser's get_user): a pending university admin is
        // activated by approval (API.md §8), never by a link it asked for itself.
        if (user === undefined || !awaitsActivation(user) || !hasUsablePassword(user)) return
        await db.transaction().execute((trx) => queueActivationMail(trx, user, Date.now()))
        deps.wakeMailer()
      })
    },
  }
}
