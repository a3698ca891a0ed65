import { PostgresAdapter, sql } from 'kysely'
import type { Updateable } from 'kysely'
import { AppError } from '../platform/errors.ts'
import { asUniqueViolation } from '../platform/db.ts'
import type { Db, UsersTable } from '../platform/db.ts'
import { newUserRecord, toUser } from './user.ts'
import type { NewUserInput, User, UserPatch } from './user.ts'
import { MESSAGES } from '../platform/http/messages.ts'

const INT32_MAX = 2_147_483_647

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0)


function toRow(patch: UserPatch): Updateable<UsersTable> {
  const { isActive, isStaff, isSuperuser, ...rest } = patch
  return {
    ...rest,
    ...(isActive !== undefined ? { isActive: flag(isActive) } : {}),
    ...(isStaff !== undefined ? { isStaff: flag(isStaff) } : {}),
    ...(isSuperuser !== undefined ? { isSuperuser: flag(isSuperuser) } : {}),
  }
}

/** Unique violations on users become the contract's duplicate messages, in both dialects. */
function translateUniqueViolation(error: unknown): never {
  const violation = asUniqueViolation(error)
  if (violation?.constraint.includes('email')) throw AppError.fields({ email: [MESSAGES.emailTaken] })
  if (violation?.constraint.includes('username')) {
    throw AppError.fields({ username: [MESSAGES.usernameTaken] })
  }
  throw error
}

export function createAccountStore(db: Db) {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter

  /**
   * The admin console's search (API.md §14): `text` (lower case) is a substring of `email username first_name
   * last_name`, the text that migrations/0010_user_search.ts indexes (the same expression there: change both or neither).
   * - PostgreSQL: LIKE on that expression, which pg_trgm's GIN index serves (backslash is LIKE's default escape there).
   * - SQLite: its FTS5 trigram table. A quoted phrase of 3+ characters is a substring MATCH through the index; a shorter
   *   one has no trigram, so it is a LIKE over that table's text, which reads every row of it.
   * LIKE's own wildcards in the search text match themselves.
   */
  function searchCondition(text: string) {
    const like = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    if (isPostgres) return sql<boolean>`lower(email || ' ' || username || ' ' || first_name || ' ' || last_name) like ${like}`
    if ([...text].length >= 3) {
      return sql<boolean>`users.id in (select rowid from users_search where users_search match ${`"${text.replaceAll('"', '""')}"`})`
    }
    return sql<boolean>`users.id in (select rowid from users_search where text like ${like} escape '\\')`
  }

  return {
    async findById(id: number, trx: Db = db): Promise<User | undefined> {
      // An id no integer column can hold names nobody (PostgreSQL would raise "out of range" instead).
      if (!Number.isInteger(id) || id < 1 || id > INT32_MAX) return undefined
      const row = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
      return row && toUser(row)
    },

    async findByEmail(email: string, trx: Db = db): Promise<User | undefined> {
      const row = await trx.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst()
      return row && toUser(row)
    },

    async emailTaken(email: string, exceptId?: number): Promise<boolean> {
      let query = db.selectFrom('users').select('id').where('email', '=', email.toLowerCase())
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId)
      return (await query.executeTakeFirst()) !== undefined
    },

    async usernameTaken(username: string, exceptId?: number): Promise<boolean> {
      let query = db.selectFrom('users').select('id').where('username', '=', username.toLowerCase())
      if (exceptId !== undefined) query = query.where('id', '!=', exceptId)
      return (await query.executeTakeFirst()) !== undefined
    },

    /** Inserts a new account (see newUserRecord); a taken email or username is the contract's 400. */
    async createUserRecord(trx: Db, input: NewUserInput, now: number): Promise<User> {
      const user = newUserRecord(input, now)
      try {
        const values = { ...user, isActive: flag(user.isActive), isStaff: flag(user.isStaff), isSuperuser: flag(user.isSuperuser) }
        const row = await trx.insertInto('users').values({ ...values, tokensValidAfter: 0 })
          .returningAll().executeTakeFirstOrThrow()
        return toUser(row)
      } catch (error) {
        return translateUniqueViolation(error)
      }
    },

    async update(trx: Db, id: number, patch: UserPatch): Promise<void> {
      if (Object.keys(patch).length === 0) return
      try {
        await trx.updateTable('users').set(toRow(patch)).where('id', '=', id).execute()
      } catch (error) {
        translateUniqueViolation(error)
      }
    },

    async delete(trx: Db, id: number): Promise<void> {
      await trx.deleteFrom('users').where('id', '=', id).execute()
    },

    async findByIds(ids: readonly number[]): Promise<User[]> {
      if (ids.length === 0) return []
      const rows = await db.selectFrom('users').selectAll().where('id', 'in', ids).execute()
      return rows.map(toUser)
    },

    /** The members of a university with one role (e.g. its faculty), by id. */
    async listOfUniversity(universityId: number, userType: number): Promise<User[]> {
      const rows = await db.selectFrom('users').selectAll()
        .where('universityId', '=', universityId).where('userType', '=', userType).orderBy('id').execute()
      return rows.map(toUser)
    },

    /** The admin pages' user search (API.md §14): one page by id, and how many match in all. */
    async search(filter: UserSearch): Promise<UserSearchResult> {
      let query = db.selectFrom('users')
      const text = filter.text?.toLowerCase()
      if (text !== undefined && text !== '') query = query.where(searchCondition(text))
      if (filter.userType !== undefined) query = query.where('userType', '=', filter.userType)
      if (filter.universityId !== undefined) query = query.where('universityId', '=', filter.universityId)
      if (filter.active !== undefined) query = query.where('isActive', '=', flag(filter.active))
      // Counting every match of a broad search reads every matching row (100,000 students: most of the page's time on
      // PostgreSQL); past `countUpTo` the page says "10,000+" instead.
      const counted = filter.countUpTo === undefined
        ? await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
        : await db.selectFrom(query.select('users.id').limit(filter.countUpTo + 1).as('matches'))
          .select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow()
      const rows = await query.selectAll().orderBy('id').limit(filter.limit).offset(filter.offset).execute()
      const total = Number(counted.n)
      if (filter.countUpTo !== undefined && total > filter.countUpTo) return { users: rows.map(toUser), total: filter.countUpTo, atLeast: true }
      return { users: rows.map(toUser), total, atLeast: false }
    },

    /** The admin dashboard (API.md §14): how many users of each type, and how many inactive; one aggregate over users. */
    async countByType(): Promise<{ userType: number; total: number; inactive: number }[]> {
      const rows = await db.selectFrom('users')
        .select((eb) => ['userType', eb.fn.countAll<number | string>().as('total'),
          eb.fn.sum<number | string | null>(eb.case().when('isActive', '=', 0).then(1).else(0).end()).as('inactive')])
        .groupBy('userType').orderBy('userType').execute()
      return rows.map((r) => ({ userType: r.userType, total: Number(r.total), inactive: Number(r.inactive ?? 0) }))
    },

    async listAll(): Promise<User[]> {
      const rows = await db.selectFrom('users').selectAll().orderBy('id').execute()
      return rows.map(toUser)
    },
  }
}

export type UserSearch = {
  /** A substring of the email, username or name; at least MIN_SEARCH_TEXT characters (see searchCondition). */
  text?: string
  userType?: number
  universityId?: number
  active?: boolean
  limit: number
  offset: number
  /** Count matches only up to this many (`atLeast` says when there are more). */
  countUpTo?: number
}

/** `total` is exact unless `atLeast`: then there are more than `total` matches. */
export type UserSearchResult = { users: User[]; total: number; atLeast: boolean }

export type AccountStore = ReturnType<typeof createAccountStore>
