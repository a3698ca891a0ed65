import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { USER_TYPE } from '../accounts/user.ts'
import type { SignedIn } from '../accounts/user.ts'
import { docs } from './docs.ts'
import { AuditQuery, encodeCursor, parseAuditQuery } from './schemas.ts'
import { toActivityJson, toAuditEventJson, toPageJson } from './serialize.ts'
import type { AuditPage, AuditService } from './service.ts'

/** The query string as sent, every repetition of a key kept (`type`). */
function searchOf(request: FastifyRequest): URLSearchParams {
  const at = request.url.indexOf('?')
  return new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1))
}

/** The same URL with the filters kept and the cursor of the next page; the host is an allowed one (API.md §1). */
function nextUrl(request: FastifyRequest, page: AuditPage): string | null {
  if (page.next === null) return null
  const search = searchOf(request)
  search.set('cursor', encodeCursor(page.next))
  return `${request.protocol}://${request.host}${request.url.split('?')[0] ?? ''}?${search.toString()}`
}

/** GET /api/audit/ and GET /api/users/me/activity/ (API.md §13). */
export function auditRoutes(deps: { audit: AuditService; guard: AuthGuard<SignedIn> }): FastifyPluginAsync {
  const { audit, guard } = deps
  const signedIn = [guard.authenticate]
  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/audit/', { preParsing: signedIn, schema: { ...docs.list, querystring: AuditQuery } }, async (request) => {
      if (guard.of(request).user.userType !== USER_TYPE.SITE_ADMIN) throw AppError.permissionDenied()
      const { filters, before } = parseAuditQuery(searchOf(request), { userFilter: true })
      const page = await audit.listEvents(filters, before)
      return toPageJson(page.events.map(toAuditEventJson), nextUrl(request, page))
    })

    app.get('/users/me/activity/', { preParsing: signedIn, schema: { ...docs.activity, querystring: AuditQuery } }, async (request) => {
      const { user } = guard.of(request)
      const { filters, before } = parseAuditQuery(searchOf(request), { userFilter: false })
      const page = await audit.listActivity(user.id, filters, before)
      return toPageJson(page.events.map((event) => toActivityJson(event, user.id)), nextUrl(request, page))
    })
  }
}
