import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../platform/errors.ts'
import { pageErrorOf } from '../platform/http/error-rendering.ts'
import type { PageError } from '../platform/http/error-rendering.ts'
import { AUDIT_TYPES } from '../audit/event-types.ts'
import { encodeCursor, parseAuditQuery } from '../audit/schemas.ts'
import { toAuditEventJson } from '../audit/serialize.ts'
import type { AuditPage, AuditService } from '../audit/service.ts'
import { pageDocs } from './docs.ts'
import { eventView } from './events.ts'
import type { Render } from './render.ts'
import { AuditPageQuery } from './schemas.ts'
import type { PageSession } from './session.ts'

type Deps = { audit: AuditService; page: PageSession; render: Render }

const FILTERS = ['user_id', 'type', 'since', 'until'] as const

/** The query string as sent (the pages' filters, and the cursor of a `Next page` link). */
function searchOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?')
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1))
}

/** The filters that were given, as a query string for the pager's links. */
function filtersOf(search: URLSearchParams): URLSearchParams {
  const kept = new URLSearchParams()
  for (const name of FILTERS) for (const value of search.getAll(name)) if (value.trim() !== '') kept.append(name, value)
  return kept
}

/**
 * /admin/audit/ (API.md §14): the audit log of §13 for site admins, with its filters (user, type, since, until) and
 * its cursor pages, read by the audit service of GET /api/audit/ and parsed by the same rules (a bad date is that
 * field's error on the page).
 */
export function adminAuditRoutes(deps: Deps): FastifyPluginAsync {
  const { audit, page, render } = deps
  const siteAdmin = [page.admin, page.siteAdmin]
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/admin/audit/', { schema: { ...pageDocs.adminAudit, querystring: AuditPageQuery }, preHandler: siteAdmin }, async (request, reply) => {
      const search = searchOf(request)
      const query = Object.fromEntries(FILTERS.map((name) => [name, search.get(name) ?? '']))
      let found: AuditPage = { events: [], next: null }
      let error: PageError | undefined
      try {
        const { filters, before } = parseAuditQuery(search, { userFilter: true })
        found = await audit.listEvents(filters, before)
      } catch (failure) {
        if (!(failure instanceof AppError) || failure.statusCode >= 500) throw failure
        error = pageErrorOf(failure)
      }
      const kept = filtersOf(search)
      const link = (cursor?: string) => {
        const params = new URLSearchParams(kept)
        if (cursor !== undefined) params.set('cursor', cursor)
        return `/admin/audit/${params.size > 0 ? `?${params.toString()}` : ''}`
      }
      return render(request, reply, 'admin/audit', {
        title: 'Audit log', user: page.of(request).user, query, types: AUDIT_TYPES, form: { error }, status: error?.status, wide: true,
        events: found.events.map((event) => eventView(toAuditEventJson(event))),
        next: found.next === null ? null : link(encodeCursor(found.next)),
        first: search.has('cursor') ? link() : null,
      })
    })
  }
}
