import { changeCredentials } from './credential-changes.ts'
import type { AccountDeps } from './deps.ts'
import { validatePassword } from './password-validators.ts'
import type { User } from './user.ts'
import { commandLineContext } from '../platform/http/request-context.ts'

/** Why an operator's command cannot be carried out; the CLI prints the message as it is. */
export class OperatorRefusal extends Error {}

export type OperatorDeps = Pick<AccountDeps, 'db' | 'store' | 'hasher' | 'commonPasswords' | 'revokeSessionsOfUser' | 'audit'>

/**
 * What an operator does to accounts from the command line (`npm run cli -- users …`). Deactivation and a new
 * password end every session and token of the user, like any credential change (API.md §11). Each change is recorded
 * with an `admin.action` event naming the command (API.md §13).
 */
export function createOperatorAccounts(deps: OperatorDeps) {
  const { db, store } = deps

  /** A user by id (digits) or by email (case-insensitive). */
  async function find(ref: string): Promise<User> {
    const user = /^\d+$/.test(ref) ? await store.findById(Number(ref)) : await store.findByEmail(ref.trim())
    if (user === undefined) throw new OperatorRefusal(`No user with the ${/^\d+$/.test(ref) ? 'id' : 'email'} ${ref}.`)
    return user
  }

  return {
    list: (): Promise<User[]> => store.listAll(),
    find,

    /** Returns the user as it is now, and whether anything changed. */
    async activate(ref: string): Promise<{ user: User; changed: boolean }> {
      const user = await find(ref)
      if (user.isActive) return { user, changed: false }
      await db.transaction().execute(async (trx) => {
        await store.update(trx, user.id, { isActive: true })
        const context = commandLineContext('users activate')
        await deps.audit.record(trx, { type: 'user.activated', context, userId: user.id, universityId: user.universityId, data: { via: 'operator' } })
      })
      return { user: { ...user, isActive: true }, changed: true }
    },

    async deactivate(ref: string): Promise<{ user: User; changed: boolean }> {
      const user = await find(ref)
      if (!user.isActive) return { user, changed: false }
      await db.transaction().execute(async (trx) => {
        await changeCredentials(deps, trx, user.id, { isActive: false })
        const context = commandLineContext('users deactivate')
        await deps.audit.record(trx, {
          type: 'user.updated', context, userId: user.id, universityId: user.universityId, data: { fields: ['is_active'], via: 'operator' },
        })
      })
      return { user: { ...user, isActive: false }, changed: true }
    },

    /** The password validators of API.md §5 apply, as to the user's own password changes. */
    async setPassword(ref: string, password: string): Promise<User> {
      const user = await find(ref)
      const problems = validatePassword(password, user, deps.commonPasswords)
      if (problems.length > 0) throw new OperatorRefusal(`Password refused: ${problems.join(' ')}`)
      const hash = await deps.hasher.hash(password)
      await db.transaction().execute(async (trx) => {
        await changeCredentials(deps, trx, user.id, { password: hash })
        const context = commandLineContext('users set-password')
        await deps.audit.record(trx, { type: 'password.changed', context, userId: user.id, universityId: user.universityId, data: { via: 'operator' } })
      })
      return user
    },
  }
}

export type OperatorAccounts = ReturnType<typeof createOperatorAccounts>
