import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../platform/errors.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import type { AccountService } from '../accounts/service.ts'
import { MIN_SEARCH_TEXT } from '../accounts/user-admin.ts'
import { toAuditEventJson } from '../audit/serialize.ts'
import type { AuditService } from '../audit/service.ts'
import type { OutboxAdmin } from '../mail/outbox-admin.ts'
import type { MfaReset } from '../mfa/reset.ts'
import type { SessionService } from '../tokens/sessions.ts'
import type { UniversityService } from '../universities/service.ts'
import { pageDocs } from './docs.ts'
import { eventView } from './events.ts'
import { attempt } from './forms.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, IdParams, NoticeQuery, UserSearchQuery, UserSessionParams, UserTypeForm } from './schemas.ts'
import type { PageSession } from './session.ts'
import { signInChart } from './sign-in-chart.ts'

type Deps = {
  accounts: AccountService
  sessions: SessionService
  universities: UniversityService
  outbox: OutboxAdmin
  audit: AuditService
  mfaReset: MfaReset
  hasSecondFactor: (userId: number) => Promise<boolean>
  page: PageSession
  render: Render
  form: preValidationHookHandler
}

const PAGE_SIZE = 50
/** Matches of a user search counted exactly up to this many; past it the page says "10000+ found". */
const COUNT_UP_TO = 10_000
const OUTBOX_LIMIT = 200
const NO_SECOND_FACTOR = 'This user has no second factor to reset.'
/** Events on a user's page; the audit log page has the rest. */
const USER_ACTIVITY = 20

/** A path id: digits only, else the page does not exist (as DRF's router). */
export function idOf(raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw AppError.notFound()
  return Number(raw)
}

/** A whole number from a query string filter; anything else is no filter. */
function wholeNumber(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined
}

type SearchQuery = { q?: string; type?: string; university?: string; active?: string; page?: string }

/**
 * /admin/ for site admins (API.md §14): the dashboard, users (search, a user's page with activation, type and
 * sessions) and the mail outbox. Every action calls the service the JSON routes and the CLI use, which records its
 * audit event (§13) with the signed-in admin as actor (page.context).
 */
export function adminRoutes(deps: Deps): FastifyPluginAsync {
  const { accounts, sessions, universities, outbox, audit, page, render, form, hasSecondFactor } = deps
  const admin = [page.admin]
  const siteAdmin = [page.admin, page.siteAdmin]

  async function userPage(request: FastifyRequest, reply: FastifyReply, id: number, error?: PageError) {
    const target = await accounts.findById(id)
    const [live, all, events, hasMfa] = await Promise.all([
      sessions.listSessionsOf(id), universities.listAllUniversities(), audit.listEvents({ userId: id }, undefined), hasSecondFactor(id),
    ])
    const activity = events.events.slice(0, USER_ACTIVITY).map((event) => eventView(toAuditEventJson(event)))
    const university = all.find((u) => u.university.id === target.universityId)?.university ?? null
    return render(request, reply, 'admin/user', {
      title: target.email, user: page.of(request).user, target, sessions: live, activity, university, hasMfa, error, wide: true,
      status: error?.status,
    })
  }
  const action = (returnTo: string) => ({ schema: { ...pageDocs.adminPost, body: CsrfOnlyForm }, config: { returnTo }, preValidation: [form] })
  const userAction = (suffix: string) => ({
    ...action('/admin/users/'),
    config: {
      returnTo: '/admin/users/',
      errorPage: (request: FastifyRequest, reply: FastifyReply, error: PageError) =>
        userPage(request, reply, idOf((request.params as { id: string }).id), error),
    },
    schema: { ...pageDocs.adminPost, params: IdParams, body: suffix === 'type' ? UserTypeForm : CsrfOnlyForm },
  })

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/admin/', { schema: { ...pageDocs.admin, querystring: NoticeQuery }, preHandler: admin }, async (request, reply) => {
      const { user } = page.of(request)
      if (user.userType !== 0) return render(request, reply, 'admin/dashboard', { title: 'Admin', user, wide: true })
      // Aggregates only, each in the store of the feature that owns its table (API.md §14's dashboard).
      const [users, pending, mails, signIns] = await Promise.all([
        accounts.countUsers(), universities.countPendingUniversities(), outbox.counts(), audit.signInsPerHour(),
      ])
      const counts = { users, pending, failed: mails.failed, waiting: mails.pending }
      return render(request, reply, 'admin/dashboard', { title: 'Admin', user, counts, chart: signInChart(signIns), wide: true })
    })

    app.get('/admin/users/', { schema: { ...pageDocs.admin, querystring: UserSearchQuery }, preHandler: siteAdmin }, async (request, reply) => {
      const query: SearchQuery = request.query
      const pageNumber = Math.max(1, wholeNumber(query.page) ?? 1)
      const active = query.active === 'yes' ? true : query.active === 'no' ? false : undefined
      const filter = { text: query.q?.trim(), userType: wholeNumber(query.type), universityId: wholeNumber(query.university), active }
      const [found, all] = await Promise.all([
        accounts.searchUsers({ ...filter, limit: PAGE_SIZE, offset: (pageNumber - 1) * PAGE_SIZE, countUpTo: COUNT_UP_TO }),
        universities.listAllUniversities(),
      ])
      const pages = Math.max(1, Math.ceil(found.total / PAGE_SIZE))
      // Past the counted matches, a full page means there may be another.
      const hasNext = found.atLeast ? found.users.length === PAGE_SIZE : pageNumber < pages
      // The filters, kept in the pager's links.
      const filters = { q: query.q ?? '', type: query.type ?? '', university: query.university ?? '', active: query.active ?? '' }
      const keep = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== ''))
      return render(request, reply, 'admin/users', {
        title: 'Users', user: page.of(request).user, found, query, pageNumber, pages, hasNext, keep: keep.toString(), wide: true,
        minSearchText: MIN_SEARCH_TEXT,
        universities: all.map((u) => u.university),
      })
    })

    app.get('/admin/users/:id/', { schema: { ...pageDocs.admin, params: IdParams, querystring: NoticeQuery }, preHandler: siteAdmin }, async (request, reply) =>
      userPage(request, reply, idOf(request.params.id)))

    for (const [suffix, active] of [['activate', true], ['deactivate', false]] as const) {
      app.post(`/admin/users/:id/${suffix}/`, { ...userAction(suffix), preHandler: siteAdmin }, async (request, reply) => {
        const id = idOf(request.params.id)
        const result = await attempt(() => accounts.setUserActive(page.of(request).user, id, active, page.context(request)))
        if (!result.ok) return userPage(request, reply, id, result.error)
        return reply.redirect(`/admin/users/${id}/?notice=${active ? 'activated' : 'deactivated'}`, 303)
      })
    }

    app.post('/admin/users/:id/type/', { ...userAction('type'), attachValidation: true, preHandler: siteAdmin }, async (request, reply) => {
      const id = idOf(request.params.id)
      const result = await attempt(async () => {
        if (request.validationError !== undefined) throw request.validationError
        return accounts.setUserType(page.of(request).user, id, (request.body as { user_type: number }).user_type, page.context(request))
      })
      if (!result.ok) return userPage(request, reply, id, result.error)
      return reply.redirect(`/admin/users/${id}/?notice=type-changed`, 303)
    })

    // `Reset two-factor` (API.md §12, §14): the reset of POST /api/admin/users/{id}/reset-mfa/, the admin as actor.
    app.post('/admin/users/:id/reset-mfa/', { ...userAction('reset-mfa'), preHandler: siteAdmin }, async (request, reply) => {
      const id = idOf(request.params.id)
      const result = await attempt(async () => {
        const target = await accounts.findById(id)
        // Shown only to a user with a factor; a second click (or an old page) would end their sessions for nothing.
        if (!await hasSecondFactor(id)) throw AppError.nonField(NO_SECOND_FACTOR)
        await deps.mfaReset(target, page.context(request))
      })
      if (!result.ok) return userPage(request, reply, id, result.error)
      return reply.redirect(`/admin/users/${id}/?notice=mfa-reset`, 303)
    })

    app.post('/admin/users/:id/sessions/:session/revoke/', {
      ...userAction('session'),
      schema: { ...pageDocs.adminPost, params: UserSessionParams, body: CsrfOnlyForm },
      preHandler: siteAdmin,
    }, async (request, reply) => {
      const id = idOf(request.params.id)
      await sessions.revokeSessionOf(await accounts.findById(id), request.params.session, page.context(request))
      return reply.redirect(`/admin/users/${id}/?notice=user-session-revoked`, 303)
    })

    app.get('/admin/outbox/', { schema: { ...pageDocs.admin, querystring: NoticeQuery }, preHandler: siteAdmin }, async (request, reply) =>
      render(request, reply, 'admin/outbox', { title: 'Mail outbox', user: page.of(request).user, mails: await outbox.overview(OUTBOX_LIMIT), wide: true }))

    app.post('/admin/outbox/:id/retry/', { ...action('/admin/outbox/'), schema: { ...pageDocs.adminPost, params: IdParams, body: CsrfOnlyForm },
      preHandler: siteAdmin }, async (request, reply) => {
      await outbox.retry(idOf(request.params.id), page.context(request))
      return reply.redirect('/admin/outbox/?notice=retried', 303)
    })
  }
}
