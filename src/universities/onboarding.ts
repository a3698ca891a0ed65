import { USER_TYPE } from '../accounts/user.ts'
import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import type { UniversityDeps } from './deps.ts'
import { universityApprovedEmail, universityDisapprovedEmail } from './emails.ts'
import type { UniversityCreateBody } from './schemas.ts'
import type { UniversityWithAdmin } from './serialize.ts'
import type { University } from './store.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

/** A duplicate caught by the database (a concurrent registration) is reported where the field is: under `admin`. */
function nestUnderAdmin(error: unknown): unknown {
  if (error instanceof AppError && error.code === 'VALIDATION_FAILED') return AppError.fields({ admin: error.body as FieldErrors })
  return error
}

/** A university's life as the site admin sees it: registration, approval, disapproval, ban (API.md §8). */
export function createOnboarding(deps: UniversityDeps) {
  const { db, store, accounts, outbox, site, audit } = deps

  async function existing(id: number): Promise<University> {
    const university = await store.findById(id)
    if (university === undefined) throw AppError.notFound()
    return university
  }

  async function withAdmins(universities: University[]): Promise<UniversityWithAdmin[]> {
    const admins = await accounts.findUsers(universities.flatMap((u) => (u.adminId === null ? [] : [u.adminId])))
    const byId = new Map(admins.map((admin) => [admin.id, admin]))
    return universities.map((university) => ({ university, admin: byId.get(university.adminId ?? 0) ?? null }))
  }

  return {
    /**
     * POST /api/university/create/: the pending university and its admin account, together or not at all. The
     * account cannot log in yet: it is inactive and has no usable password until approval mails a link.
     */
    async registerUniversity(parsed: Parsed<UniversityCreateBody>, context: RequestContext): Promise<UniversityWithAdmin> {
      // Partial when some of its own fields failed: a taken email is reported next to them, as DRF does.
      const admin = parsed.value.admin as Partial<UniversityCreateBody['admin']> | undefined
      if (admin !== undefined) {
        const taken = await accounts.takenNameErrors({ email: admin.email, username: admin.username })
        if (Object.keys(taken).length > 0) parsed.errors.admin = { ...(parsed.errors.admin as FieldErrors | undefined), ...taken }
      }
      const body = complete(parsed)
      try {
        return await db.transaction().execute(async (trx) => {
          const university = await store.insert(trx, { name: body.name, domain: body.domain, docUrl: body.doc_url }, Date.now())
          const account = await accounts.createAccountWithoutPassword(trx, {
            firstName: body.admin.first_name, lastName: body.admin.last_name, username: body.admin.username, email: body.admin.email,
            universityId: university.id, userType: USER_TYPE.STUDENT, isActive: false,
          })
          await store.update(trx, university.id, { adminId: account.id })
          const about = { context, userId: account.id, universityId: university.id }
          await audit.record(trx, { type: 'university.created', ...about, data: { name: university.name, domain: university.domain } })
          await audit.record(trx, {
            type: 'user.registered', ...about, data: { via: 'university', email: account.email, username: account.username, user_type: account.userType },
          })
          return { university: { ...university, adminId: account.id }, admin: account }
        })
      } catch (error) {
        throw nestUnderAdmin(error)
      }
    },

    listPublicUniversities: (): Promise<University[]> => store.list({ approved: true, banned: false }),
    listPendingUniversities: async () => withAdmins(await store.list({ approved: false })),
    /** The admin dashboard: how many wait for approval (the universities listPendingUniversities lists). */
    countPendingUniversities: () => store.count({ approved: false }),
    listApprovedUniversities: async () => withAdmins(await store.list({ approved: true })),
    /** For operators (`npm run cli -- universities list`): no route lists these. */
    listBannedUniversities: async () => withAdmins(await store.list({ banned: true })),
    listAllUniversities: async () => withAdmins(await store.list({})),

    /** The admin becomes active, a university admin of this university, and is mailed a set-password link. */
    async approveUniversity(id: number, context: RequestContext): Promise<void> {
      const university = await existing(id)
      await db.transaction().execute(async (trx) => {
        await store.update(trx, id, { isApproved: true })
        await audit.record(trx, { type: 'university.approved', context, userId: university.adminId, universityId: id })
        if (university.adminId === null) return
        const admin = await accounts.grantUniversityAdmin(trx, university.adminId, id)
        if (admin === undefined) return
        await outbox.enqueue(trx, universityApprovedEmail(site, admin, university.name, accounts.setPasswordPath(admin)), Date.now())
      })
      deps.wakeMailer()
    },

    /** The admin account is deactivated (its sessions end with it) and told so. */
    async disapproveUniversity(id: number, context: RequestContext): Promise<void> {
      const university = await existing(id)
      await db.transaction().execute(async (trx) => {
        await store.update(trx, id, { isApproved: false })
        await audit.record(trx, { type: 'university.disapproved', context, userId: university.adminId, universityId: id })
        if (university.adminId === null) return
        const admin = await accounts.deactivateAccount(trx, university.adminId)
        if (admin === undefined) return
        await outbox.enqueue(trx, universityDisapprovedEmail(site, admin, university.name), Date.now())
      })
      deps.wakeMailer()
    },

    /** A banned university leaves the public list and registration; its members keep their accounts. */
    async setUniversityBanned(id: number, banned: boolean, context: RequestContext): Promise<void> {
      const university = await existing(id)
      await db.transaction().execute(async (trx) => {
        await store.update(trx, id, { isBanned: banned })
        await audit.record(trx, { type: banned ? 'university.banned' : 'university.unbanned', context, userId: university.adminId, universityId: id })
      })
    },
  }
}
