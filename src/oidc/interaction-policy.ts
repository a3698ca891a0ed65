import type { KoaContextWithOIDC } from 'oidc-provider'
import type { OidcLibrary } from './library.ts'

/** The session of the §3 cookies, as the provider's policy needs it: whose, and when they signed in (seconds). */
export type CurrentSignIn = (accessToken: string) => Promise<{ userId: number; signedInAt: number | null } | null>

/** `amr` (RFC 8176) with more than a password in it is a second factor (API.md §12); a passkey with UV counts as both. */
export function hasSecondFactor(amr: readonly string[]): boolean {
  return amr.some((method) => method !== 'pwd')
}

export const ACR_MFA = 'mfa'
export const ACR_PASSWORD = 'pwd'

export function asksForMfa(acrValues: unknown): boolean {
  return typeof acrValues === 'string' && acrValues.split(' ').includes(ACR_MFA)
}

/**
 * oidc-provider's default prompts, and two checks of ours on `login`:
 * - the provider's own session must still be the browser's UniLink session (API.md §3 cookies): signed out of
 *   UniLink, or signed in as someone else or again since, the relying party does not get the old sign-in silently;
 * - `acr_values=mfa` (API.md §15) asks for a second factor when the sign-in had none (acr_values are voluntary in
 *   OIDC Core, so the default policy ignores them).
 */
export function createInteractionPolicy(library: OidcLibrary, currentSignIn: CurrentSignIn) {
  const { Check, base } = library.interactionPolicy
  const policy = base()
  const login = policy.get('login')
  if (login === undefined) throw new Error('oidc-provider has no login prompt')

  login.checks.add(new Check('unilink_session', 'The UniLink session of this browser ended or changed', async (ctx: KoaContextWithOIDC) => {
    const { session, result } = ctx.oidc
    if (result?.login !== undefined || session?.accountId === undefined) return Check.NO_NEED_TO_PROMPT
    const access = ctx.cookies.get('access', { signed: false })
    const current = access === undefined ? null : await currentSignIn(access)
    if (current === null || String(current.userId) !== session.accountId) return Check.REQUEST_PROMPT
    return current.signedInAt === session.loginTs ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT
  }))

  login.checks.add(new Check('mfa_requested', 'acr_values asks for a second factor', (ctx: KoaContextWithOIDC) => {
    const { params, session, result } = ctx.oidc
    if (result?.login !== undefined || !asksForMfa(params?.acr_values)) return Check.NO_NEED_TO_PROMPT
    return session?.acr === ACR_MFA ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT
  }))
  return policy
}
