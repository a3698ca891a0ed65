import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { PageError } from '../platform/http/error-rendering.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { UniversityService } from '../universities/service.ts'
import type { DepartmentBody, FacultyBody } from '../universities/schemas.ts'
import { pageDocs } from './docs.ts'
import { attempt, formBody, typedValues } from './forms.ts'
import { idOf } from './admin-routes.ts'
import type { Render } from './render.ts'
import { CsrfOnlyForm, DepartmentForm, FacultyForm, IdParams, NoticeQuery, UniversityStateQuery } from './schemas.ts'
import type { PageSession } from './session.ts'

type Deps = { universities: UniversityService; page: PageSession; render: Render; form: preValidationHookHandler }

const STATES = ['pending', 'approved', 'banned'] as const
type State = (typeof STATES)[number]

/** The university actions of API.md §8, as the admin console's buttons, and the notice each one leaves. */
const ACTIONS = {
  approve: { run: (u: UniversityService, id: number, c: RequestContext) => u.approveUniversity(id, c), notice: 'approved' },
  disapprove: { run: (u: UniversityService, id: number, c: RequestContext) => u.disapproveUniversity(id, c), notice: 'disapproved' },
  ban: { run: (u: UniversityService, id: number, c: RequestContext) => u.setUniversityBanned(id, true, c), notice: 'banned' },
  unban: { run: (u: UniversityService, id: number, c: RequestContext) => u.setUniversityBanned(id, false, c), notice: 'unbanned' },
} as const

/**
 * /admin/universities/ for site admins (pending, approved, banned; API.md §8's approve, disapprove, ban, unban) and,
 * for university admins and moderators, their own university's faculty and (admins only) departments. The services
 * decide whose university it is: a manager never reaches another university's people. Each action is the service's
 * audit event (§13), with the signed-in admin as actor (page.context).
 */
export function adminUniversityRoutes(deps: Deps): FastifyPluginAsync {
  const { universities, page, render, form } = deps
  const siteAdmin = [page.admin, page.siteAdmin]
  const manager = [page.admin]
  const universityAdmin = [page.admin, page.universityAdmin]

  async function facultyPage(request: FastifyRequest, reply: FastifyReply, error?: PageError) {
    const { user } = page.of(request)
    const faculty = await universities.listFaculty(user)
    return render(request, reply, 'admin/faculty', {
      title: 'Faculty', user, faculty, wide: true, form: { values: error ? typedValues(request) : {}, error }, status: error?.status,
    })
  }
  async function departmentsPage(request: FastifyRequest, reply: FastifyReply, error?: PageError) {
    const { user } = page.of(request)
    const departments = await universities.listOwnDepartments(user)
    return render(request, reply, 'admin/departments', {
      title: 'Departments', user, departments, wide: true, form: { values: error ? typedValues(request) : {}, error }, status: error?.status,
    })
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/admin/universities/', { schema: { ...pageDocs.admin, querystring: UniversityStateQuery }, preHandler: siteAdmin }, async (request, reply) => {
      const state: State = STATES.find((s) => s === request.query.state) ?? 'pending'
      const list = state === 'pending' ? await universities.listPendingUniversities()
        : state === 'approved' ? await universities.listApprovedUniversities() : await universities.listBannedUniversities()
      return render(request, reply, 'admin/universities', { title: 'Universities', user: page.of(request).user, state, list, wide: true })
    })

    for (const [name, { run, notice }] of Object.entries(ACTIONS)) {
      app.post(`/admin/universities/:id/${name}/`, {
        schema: { ...pageDocs.adminPost, params: IdParams, body: CsrfOnlyForm },
        config: { returnTo: '/admin/universities/' },
        preValidation: [form],
        preHandler: siteAdmin,
      }, async (request, reply) => {
        await run(universities, idOf(request.params.id), page.context(request))
        return reply.redirect(`/admin/universities/?notice=${notice}`, 303)
      })
    }

    app.get('/admin/faculty/', { schema: { ...pageDocs.admin, querystring: NoticeQuery }, preHandler: manager }, (request, reply) =>
      facultyPage(request, reply))

    app.post('/admin/faculty/', {
      attachValidation: true,
      schema: { ...pageDocs.adminPost, body: FacultyForm },
      config: { returnTo: '/admin/faculty/', errorPage: facultyPage },
      preValidation: [form],
      preHandler: manager,
    }, async (request, reply) => {
      const result = await attempt(() => universities.addFaculty(page.of(request).user, complete(formBody<FacultyBody>(request)), page.context(request)))
      if (!result.ok) return facultyPage(request, reply, result.error)
      return reply.redirect('/admin/faculty/?notice=faculty-added', 303)
    })

    app.post('/admin/faculty/:id/remove/', {
      schema: { ...pageDocs.adminPost, params: IdParams, body: CsrfOnlyForm },
      config: { returnTo: '/admin/faculty/' },
      preValidation: [form],
      preHandler: manager,
    }, async (request, reply) => {
      await universities.removeFaculty(page.of(request).user, idOf(request.params.id), page.context(request))
      return reply.redirect('/admin/faculty/?notice=faculty-removed', 303)
    })

    app.get('/admin/departments/', { schema: { ...pageDocs.admin, querystring: NoticeQuery }, preHandler: universityAdmin }, (request, reply) =>
      departmentsPage(request, reply))

    app.post('/admin/departments/', {
      attachValidation: true,
      schema: { ...pageDocs.adminPost, body: DepartmentForm },
      config: { returnTo: '/admin/departments/', errorPage: departmentsPage },
      preValidation: [form],
      preHandler: universityAdmin,
    }, async (request, reply) => {
      const body = () => complete(formBody<DepartmentBody>(request))
      const result = await attempt(() => universities.createDepartment(page.of(request).user, body(), page.context(request)))
      if (!result.ok) return departmentsPage(request, reply, result.error)
      return reply.redirect('/admin/departments/?notice=department-added', 303)
    })

    app.post('/admin/departments/:id/delete/', {
      schema: { ...pageDocs.adminPost, params: IdParams, body: CsrfOnlyForm },
      config: { returnTo: '/admin/departments/' },
      preValidation: [form],
      preHandler: universityAdmin,
    }, async (request, reply) => {
      await universities.deleteDepartment(page.of(request).user, idOf(request.params.id), page.context(request))
      return reply.redirect('/admin/departments/?notice=department-removed', 303)
    })
  }
}
