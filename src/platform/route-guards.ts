import type { FastifyInstance, FastifyRequest, preParsingHookHandler } from 'fastify'
import { usesAccessCookie } from './auth-guard.ts'
import type { AuthGuard } from './auth-guard.ts'
import { assertTrustedOrigin } from './csrf.ts'
import { prependRouteHook } from './route-hooks.ts'

/** Route options read by the guard: `auth` requires a user; `cookieAuth` names cookies that authenticate. */
export type RouteGuards = { auth?: boolean; cookieAuth?: readonly string[] }

/**
 * Authentication and the CSRF check, attached only to the routes that declare them (a hook on every route would cost
 * every other request a call). Before the body is parsed: DRF authenticates and checks permissions first, so an
 * anonymous request to a protected view gets its 401 even with a body that would be refused (415, 400, 413).
 */
export function installRouteGuards(app: FastifyInstance, guard: AuthGuard<unknown>, allowedOrigins: readonly string[]): void {
  function checkOrigin(request: FastifyRequest, route: RouteGuards): void {
    // CSRF applies where a browser's cookie authenticates the request (API.md §11).
    if ((route.auth && usesAccessCookie(request)) || route.cookieAuth?.some((name) => Boolean(request.cookies[name]))) {
      assertTrustedOrigin(request, allowedOrigins)
    }
  }

  function guardOf(route: RouteGuards): preParsingHookHandler {
    // A callback hook, finishing at once when the principal is at hand: no promise where nothing is awaited.
    return (request, _reply, payload, done) => {
      try {
        const principal = route.auth ? guard.requireNowOrLater(request) : null
        if (principal instanceof Promise) {
          principal.then(() => {
            checkOrigin(request, route)
            done(null, payload)
          }).catch((error: Error) => done(error))
          return
        }
        checkOrigin(request, route)
      } catch (error) {
        done(error as Error)
        return
      }
      done(null, payload)
    }
  }

  app.addHook('onRoute', (options) => {
    const route = (options.config ?? {}) as RouteGuards
    if (!route.auth && route.cookieAuth === undefined) return
    prependRouteHook(options, 'preParsing', guardOf(route))
  })
}
