import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify'
import type { Config } from '../config.ts'
import type { AuthGuard } from '../platform/auth-guard.ts'
import { AppError } from '../platform/errors.ts'
import { USER_TYPE } from '../accounts/user.ts'
import { setAuthCookies } from '../tokens/cookies.ts'
import type { Principal, TokenService } from '../tokens/service.ts'
import type { SessionService } from '../tokens/sessions.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import { loginPath } from './next-path.ts'

export type PageSessionDeps = {
  tokens: TokenService
  sessions: SessionService
  guard: AuthGuard<Principal>
  config: Config
  clock: () => number
  /** MFA_REQUIRED_USER_TYPES (API.md §12): the 403 `mfa_setup_required` of the §8 routes, for the admin console too. */
  secondFactorGate: (user: Principal['user']) => Promise<void>
}

/** Who may open the admin console, and which parts (API.md §14, §8). */
export type AdminRole = 'site' | 'university' | 'moderator'

export function adminRoleOf(userType: number): AdminRole | null {
  if (userType === USER_TYPE.SITE_ADMIN) return 'site'
  if (userType === USER_TYPE.UNIVERSITY_ADMIN) return 'university'
  if (userType === USER_TYPE.MODERATOR) return 'moderator'
  return null
}

/**
 * The signed-in user of a page: the `access` cookie of API.md §3, as the JSON routes read it. An access token lives
 * five minutes and a page has no script to refresh it, so an expired one is renewed from the `refresh` cookie (a
 * rotation as POST /api/jwt/refresh/ does) and both cookies are set again: /account/ and the API share one session.
 */
export function createPageSession(deps: PageSessionDeps) {
  const { tokens, guard, config } = deps
  const resolved = new WeakMap<FastifyRequest, Principal | null>()

  async function resolve(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null> {
    if (resolved.has(request)) return resolved.get(request) ?? null
    let principal = await guard.principal(request)
    const refresh = request.cookies.refresh
    if (principal === null && refresh) {
      try {
        const pair = await tokens.refresh(refresh, requestContext(request))
        setAuthCookies(reply, config.cookies, pair)
        principal = await tokens.authenticate(pair.access)
      } catch (error) {
        // A dead refresh token is simply no session; anything else is a real failure.
        if (!(error instanceof AppError)) throw error
      }
    }
    resolved.set(request, principal)
    return principal
  }

  /** Back to the sign-in page, then here (a POST goes back to the page it was sent from: its path minus the action). */
  function toLogin(request: FastifyRequest, reply: FastifyReply, reauth = false): FastifyReply {
    const here = request.method === 'GET' ? request.url : request.routeOptions.config.returnTo ?? '/account/'
    return reply.redirect(loginPath(here, reauth), 303)
  }

  /** preHandler: a signed-in user, or 303 to the sign-in page. */
  const signedIn: preHandlerAsyncHookHandler = async (request, reply) => {
    if (await resolve(request, reply) === null) return toLogin(request, reply)
  }

  /**
   * preHandler of the admin console: a site admin, university admin or moderator, signed in within
   * ADMIN_REAUTH_SECONDS (else the sign-in page again), and enrolled in a second factor where MFA_REQUIRED_USER_TYPES
   * names the user's type (§12's gate of the §8 routes, the same function).
   */
  const admin: preHandlerAsyncHookHandler = async (request, reply) => {
    const principal = await resolve(request, reply)
    if (principal === null) return toLogin(request, reply)
    if (adminRoleOf(principal.user.userType) === null) throw AppError.permissionDenied()
    await deps.secondFactorGate(principal.user)
    const at = await deps.sessions.signedInAt(principal)
    if (at === null || deps.clock() - at > config.adminReauthSeconds * 1000) return toLogin(request, reply, true)
  }

  /** preHandler: only site admins (after `admin`). */
  const siteAdmin: preHandlerAsyncHookHandler = async (request) => {
    if (resolved.get(request)?.user.userType !== USER_TYPE.SITE_ADMIN) throw AppError.permissionDenied()
  }

  /** preHandler: university admins only, for departments (API.md §8), after `admin`. */
  const universityAdmin: preHandlerAsyncHookHandler = async (request) => {
    if (resolved.get(request)?.user.userType !== USER_TYPE.UNIVERSITY_ADMIN) throw AppError.permissionDenied()
  }

  return {
    resolve,
    signedIn,
    admin,
    siteAdmin,
    universityAdmin,
    /** The principal a preHandler above resolved. */
    of(request: FastifyRequest): Principal {
      const principal = resolved.get(request)
      if (principal === undefined || principal === null) throw AppError.notAuthenticated()
      return principal
    },
    /**
     * Who does what a page does, for the audit log (API.md §13): the signed-in user (and session) this request
     * resolved as actor, or nobody on an anonymous page, through the same requestContext() as the JSON routes.
     */
    context: (request: FastifyRequest): RequestContext => requestContext(request, resolved.get(request) ?? null),
    /** The principal if any has been resolved for this request (the layout's header). */
    peek: (request: FastifyRequest): Principal | null => resolved.get(request) ?? null,
  }
}

export type PageSession = ReturnType<typeof createPageSession>
