import type { KoaContextWithOIDC } from 'oidc-provider'
import type { Config } from '../config.ts'
import { requestContext } from '../platform/http/request-context.ts'
import type { Principal } from '../tokens/service.ts'
import type { TokenService } from '../tokens/service.ts'
import { fastifyRequestOf } from './routes.ts'

type Next = () => Promise<unknown>

/**
 * RP-initiated logout ends the UniLink session of the browser too: the provider's session alone would leave the
 * §3 cookies signed in, and the next relying party would get a silent sign-in from them (interaction-policy.ts).
 * Runs after the provider answered the logout confirmation with `logout=yes`: revokes the session and deletes the
 * cookies as POST /logout/ does (tokens/cookies.ts; written by hand, since Koa refuses Secure cookies on plain http
 * behind a TLS proxy it does not trust).
 */
export function endUniLinkSessionOnLogout(deps: {
  authenticate: (accessToken: string) => Promise<Principal | null>
  logout: TokenService['logout']
  cookies: Config['cookies']
}) {
  const secure = deps.cookies.secure ? '; Secure' : ''
  const attributes = `Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=${deps.cookies.sameSite}${secure}`
  return async (ctx: KoaContextWithOIDC, next: Next): Promise<void> => {
    await next()
    const body = ctx.oidc?.body
    if (ctx.oidc?.route !== 'end_session_confirm' || body?.logout === undefined || ctx.status >= 400) return
    const request = fastifyRequestOf(ctx.req)
    const access = ctx.cookies.get('access', { signed: false })
    const principal = access === undefined ? null : await deps.authenticate(access)
    if (principal !== null && request !== undefined) {
      await deps.logout(principal, ctx.cookies.get('refresh', { signed: false }), requestContext(request, principal))
    }
    ctx.append('set-cookie', [`access=; ${attributes}`, `refresh=; ${attributes}`])
  }
}
