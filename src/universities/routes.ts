import type { FastifyPluginAsync, FastifyRequest, FastifySchema } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { USER_TYPE } from '../accounts/user.ts'
import type { User } from '../accounts/user.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { complete, parsedBody } from '../platform/http/field-checks.ts'
import type { SignedIn } from '../accounts/user.ts'
import type { Throttle } from '../throttling/throttle.ts'
import {
  DepartmentBody, DepartmentIdBody, FacultyBody, FacultyIdBody, UniversityCreateBody, UniversityIdBody, UniversityIdQuery,
} from './schemas.ts'
import { toDepartmentJson, toFacultyJson, toPublicUniversityJson, toSuccessJson, toUniversityJson } from './serialize.ts'
import type { UniversityService } from './service.ts'
import { docs } from './docs.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { RequestContext } from '../platform/http/request-context.ts'

type Deps = {
  universities: UniversityService
  guard: AuthGuard<SignedIn>
  throttle: Throttle
  /** MFA_REQUIRED_USER_TYPES (API.md §12): throws `mfa_setup_required` for such a user without a second factor. */
  secondFactorGate: (user: User) => Promise<void>
}

// Bodies of protected routes are validated after the 401 and the 403, as DRF checks permissions first.
const collect = { attachValidation: true }

/**
 * The signed-in user, if they hold one of the roles (API.md §3: otherwise 403), and, when their type must have a
 * second factor, have one (API.md §12: otherwise 403 `mfa_setup_required`).
 */
async function userWithRole(deps: Deps, request: FastifyRequest, roles: readonly number[]): Promise<User> {
  const { user } = deps.guard.of(request)
  if (!roles.includes(user.userType)) throw AppError.permissionDenied()
  await deps.secondFactorGate(user)
  return user
}

const SITE_ADMIN = [USER_TYPE.SITE_ADMIN]
const UNIVERSITY_ADMIN = [USER_TYPE.UNIVERSITY_ADMIN]
const FACULTY_MANAGERS = [USER_TYPE.UNIVERSITY_ADMIN, USER_TYPE.MODERATOR]

/** /api/university/… — API.md §8. */
export function universityRoutes(deps: Deps): FastifyPluginAsync {
  const { universities, guard } = deps
  const as = (request: FastifyRequest, roles: readonly number[]) => userWithRole(deps, request, roles)
  const signedIn = [guard.authenticate]

  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    /** approve, disapprove, ban, unban: a site admin names the university by `university_id`. */
    function universityAction(path: string, action: (id: number, context: RequestContext) => Promise<void>, message: string, doc: FastifySchema): void {
      app.post(path, { preParsing: signedIn, ...collect, schema: { ...doc, body: UniversityIdBody } }, async (request) => {
        await as(request, SITE_ADMIN)
        await action(complete(parsedBody<UniversityIdBody>(request)).university_id, requestContext(request, guard.of(request)))
        return toSuccessJson(message)
      })
    }

    // It creates an account, so it shares registration's allowance per client IP (API.md §11).
    app.post('/create/', {
      ...collect,
      preHandler: [deps.throttle.throttle({ ip: 'register_ip' })],
      schema: { ...docs.create, body: UniversityCreateBody },
    }, async (request) =>
      toUniversityJson(await universities.registerUniversity(parsedBody(request), requestContext(request))))
    app.get('/list/', { schema: docs.list }, async () => (await universities.listPublicUniversities()).map(toPublicUniversityJson))
    app.get('/pending/', { preParsing: signedIn, schema: docs.pending }, async (request) => {
      await as(request, SITE_ADMIN)
      return (await universities.listPendingUniversities()).map(toUniversityJson)
    })
    app.get('/approved/', { preParsing: signedIn, schema: docs.approved }, async (request) => {
      await as(request, SITE_ADMIN)
      return (await universities.listApprovedUniversities()).map(toUniversityJson)
    })
    universityAction('/approve/', universities.approveUniversity, 'University approved', docs.approve)
    universityAction('/disapprove/', universities.disapproveUniversity, 'University disapproved', docs.disapprove)
    universityAction('/ban/', (id, context) => universities.setUniversityBanned(id, true, context), 'University banned', docs.ban)
    universityAction('/unban/', (id, context) => universities.setUniversityBanned(id, false, context), 'University unbanned', docs.unban)

    app.get('/faculty-list/', { preParsing: signedIn, schema: docs.facultyList }, async (request) =>
      (await universities.listFaculty(await as(request, FACULTY_MANAGERS))).map(toFacultyJson))
    app.post('/add-faculty/', { preParsing: signedIn, ...collect, schema: { ...docs.addFaculty, body: FacultyBody } }, async (request) => {
      const manager = await as(request, FACULTY_MANAGERS)
      await universities.addFaculty(manager, complete(parsedBody<FacultyBody>(request)), requestContext(request, guard.of(request)))
      return toSuccessJson('Faculty added')
    })
    app.post('/remove-faculty/', { preParsing: signedIn, ...collect, schema: { ...docs.removeFaculty, body: FacultyIdBody } }, async (request) => {
      const manager = await as(request, FACULTY_MANAGERS)
      const facultyId = complete(parsedBody<FacultyIdBody>(request)).faculty_id
      await universities.removeFaculty(manager, facultyId, requestContext(request, guard.of(request)))
      return toSuccessJson('Faculty deleted')
    })
  }
}

/** Anything but digits names no university (a repeated key was reduced to its last value by parseQueryString). */
function universityIdOf(query: UniversityIdQuery): number | null {
  const raw: unknown = query.university_id
  return typeof raw === 'string' && /^\s*\d{1,10}\s*$/.test(raw) ? Number(raw) : null
}

/** /api/department/… — API.md §8. */
export function departmentRoutes(deps: Deps): FastifyPluginAsync {
  const { universities, guard } = deps
  const as = (request: FastifyRequest, roles: readonly number[]) => userWithRole(deps, request, roles)
  const signedIn = [guard.authenticate]

  return async (fastify) => {
    // The route schemas type request.body, query and params (STYLE.md rule 6).
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/get/', { schema: { ...docs.departmentsOf, querystring: UniversityIdQuery } }, async (request) =>
      (await universities.listDepartmentsOf(universityIdOf(request.query))).map(toDepartmentJson))
    app.post('/create/', { preParsing: signedIn, ...collect, schema: { ...docs.createDepartment, body: DepartmentBody } }, async (request) => {
      const admin = await as(request, UNIVERSITY_ADMIN)
      const body = complete(parsedBody<DepartmentBody>(request))
      return toDepartmentJson(await universities.createDepartment(admin, body, requestContext(request, guard.of(request))))
    })
    app.get('/list/', { preParsing: signedIn, schema: docs.ownDepartments }, async (request) =>
      (await universities.listOwnDepartments(await as(request, UNIVERSITY_ADMIN))).map(toDepartmentJson))
    app.post('/delete/', { preParsing: signedIn, ...collect, schema: { ...docs.deleteDepartment, body: DepartmentIdBody } }, async (request) => {
      const admin = await as(request, UNIVERSITY_ADMIN)
      await universities.deleteDepartment(admin, complete(parsedBody<DepartmentIdBody>(request)).department_id, requestContext(request, guard.of(request)))
      return toSuccessJson('Department deleted')
    })
  }
}
