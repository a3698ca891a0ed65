import { Eta } from 'eta'
import type { KoaContextWithOIDC } from 'oidc-provider'

const TEMPLATES = new URL('../../templates/pages/', import.meta.url).pathname

// The pages' policy (pages/security.ts), without `form-action`: the logout form's answer redirects to the relying
// party, and Chromium applies form-action to every redirect after a form (w3c/webappsec-csp#8).
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

/**
 * The pages oidc-provider renders itself (its errors, the logout confirmation, the signed-out page), in the hosted
 * pages' layout and style (templates/pages/), so a user never meets the library's own development pages.
 */
export function createProviderPages(opts: { siteName: string; assets: Record<string, string> }) {
  const eta = new Eta({ views: TEMPLATES, cache: true, autoTrim: [false, 'nl'] })
  function send(ctx: KoaContextWithOIDC, view: string, data: Record<string, unknown>): void {
    ctx.set('content-security-policy', CSP)
    ctx.set('x-content-type-options', 'nosniff')
    ctx.set('x-frame-options', 'DENY')
    ctx.set('referrer-policy', 'same-origin')
    ctx.set('cache-control', 'no-store')
    ctx.type = 'html'
    ctx.body = eta.render(view, { siteName: opts.siteName, assets: opts.assets, user: null, path: ctx.path, notice: undefined, csrf: '', ...data })
  }
  const clientName = (ctx: KoaContextWithOIDC): string | undefined => {
    const client = ctx.oidc?.client
    return client === undefined ? undefined : String(client.clientName ?? client.clientId)
  }
  return {
    /** An OAuth error shown to the user (a redirect_uri that is not registered, an unknown client, an expired request). */
    error: async (ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> => {
      send(ctx, 'oidc-error', { title: 'Sign-in request refused', error: out.error, description: out.error_description ?? '' })
    },
    /** RP-initiated logout: the provider's form (its own CSRF token) and our two buttons. */
    logout: async (ctx: KoaContextWithOIDC, form: string): Promise<void> => {
      send(ctx, 'oidc-logout', { title: 'Sign out', form, client: clientName(ctx) })
    },
    loggedOut: async (ctx: KoaContextWithOIDC): Promise<void> => {
      send(ctx, 'oidc-logged-out', { title: 'Signed out', client: clientName(ctx) })
    },
  }
}

export type ProviderPages = ReturnType<typeof createProviderPages>
