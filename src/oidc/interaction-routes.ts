import { createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, preValidationHookHandler } from 'fastify'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type Provider from 'oidc-provider'
import type { InteractionResults } from 'oidc-provider'
import { AppError } from '../platform/errors.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { User } from '../accounts/user.ts'
import type { Principal } from '../tokens/service.ts'
import type { PageSession } from '../pages/session.ts'
import type { Render } from '../pages/render.ts'
import { SCOPE_DESCRIPTIONS } from './claims.ts'
import type { OidcClient } from './clients-store.ts'
import { oidcDocs } from './docs.ts'
import { ACR_MFA, ACR_PASSWORD, asksForMfa, hasSecondFactor } from './interaction-policy.ts'
import { interactionPath } from './provider-config.ts'
import { loadOidcLibrary } from './library.ts'

export type InteractionDeps = {
  provider: () => Promise<Provider>
  page: PageSession
  render: Render
  form: preValidationHookHandler
  /** When the principal's session signed in (ms), null for a token without a session. */
  signedInAt: (principal: Principal) => Promise<number | null>
  hasMfa: (userId: number) => Promise<boolean>
  findClient: (clientId: string) => Promise<OidcClient | undefined>
  /** Records `oidc.consent_granted` (API.md §13). */
  recordConsent: (context: RequestContext, user: User, clientId: string, scopes: string[]) => Promise<void>
  clock: () => number
  /** Signs the fresh-sign-in marker (derived from SECRET_KEY). */
  markerKey: Buffer
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>

const UidParams = Type.Object({ uid: Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) })
const ConsentForm = Type.Object({ decision: Type.Optional(Type.String({ maxLength: 16 })), _csrf: Type.Optional(Type.String()) })
const FRESH_COOKIE = 'oidc_fresh'
const EXPIRED = 'This sign-in request has expired or was already used. Go back to the application and start again.'

/** The sign-in page, coming back here; our own query (next-path.ts accepts same-origin paths only). */
const toLogin = (reply: FastifyReply, uid: string): FastifyReply => reply.redirect(`/login/?${new URLSearchParams({ next: interactionPath(uid) })}`, 303)

/**
 * The interaction of API.md §15: /login/ (with its second step) when the browser's UniLink session does not satisfy
 * the request, then the consent page. Answers that send the browser back to the provider are a page that moves on
 * by the `Refresh` header, not a 303: Chromium applies the previous form's `form-action 'self'` to every redirect
 * of its navigation (w3c/webappsec-csp#8), which would block the last hop to the relying party.
 */
export function interactionRoutes(deps: InteractionDeps): FastifyPluginAsync {
  const { page, render } = deps

  async function details(provider: Provider, request: FastifyRequest, reply: FastifyReply): Promise<Interaction> {
    try {
      return await provider.interactionDetails(request.raw, reply.raw)
    } catch (error) {
      if (error instanceof (await loadOidcLibrary()).errors.OIDCProviderError) throw AppError.badRequest(EXPIRED)
      throw error
    }
  }

  function moveOn(request: FastifyRequest, reply: FastifyReply, returnTo: string, clientName: string, user: User | null): FastifyReply {
    reply.header('refresh', `0;url=${returnTo}`)
    return render(request, reply, 'oidc-continue', { title: 'Signing you in', client: clientName, returnTo, user })
  }

  /**
   * Which session this interaction sent to /login/ for a fresh sign-in: a cookie on the interaction's path, signed
   * (HMAC under a key from SECRET_KEY) and bound to the interaction, so a browser cannot claim a sign-in it did not make.
   */
  const markerOf = (uid: string, sid: string): string => createHmac('sha256', deps.markerKey).update(`${uid} ${sid}`).digest('base64url')
  function askSignIn(request: FastifyRequest, reply: FastifyReply, uid: string, principal: Principal | null): FastifyReply {
    const sid = principal?.claims.sid ?? 'none'
    reply.setCookie(FRESH_COOKIE, `${sid}.${markerOf(uid, sid)}`, {
      path: interactionPath(uid), httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', maxAge: 3600,
    })
    return toLogin(reply, uid)
  }
  function freshSignIn(request: FastifyRequest, uid: string, principal: Principal): boolean {
    const [sid, mac] = (request.cookies[FRESH_COOKIE] ?? '').split('.')
    if (sid === undefined || mac === undefined) return false
    const expected = Buffer.from(markerOf(uid, sid))
    const given = Buffer.from(mac)
    return expected.length === given.length && timingSafeEqual(expected, given) && principal.claims.sid !== sid
  }

  async function finishLogin(request: FastifyRequest, reply: FastifyReply, provider: Provider, interaction: Interaction) {
    const { uid, params, prompt } = interaction
    const principal = await page.resolve(request, reply)
    if (principal === null) return askSignIn(request, reply, uid, null)
    const signedInAt = await deps.signedInAt(principal)
    // prompt=login: a sign-in made after this request sent the browser to /login/; max_age: one that recent, or
    // such a new one (OIDC Core §3.1.2.1).
    const maxAge = Number(params.max_age)
    const tooOld = params.max_age !== undefined && Number.isFinite(maxAge) && signedInAt !== null && deps.clock() - signedInAt > maxAge * 1000
    if (signedInAt === null) return toLogin(reply, uid)
    if ((prompt.reasons.includes('login_prompt') || tooOld) && !freshSignIn(request, uid, principal)) return askSignIn(request, reply, uid, principal)
    const amr = principal.claims.amr ?? ['pwd']
    let result: InteractionResults
    if (asksForMfa(params.acr_values) && !hasSecondFactor(amr)) {
      // A user with a second factor signs in again with it; one without cannot meet the request (no sign-in loop).
      if (await deps.hasMfa(principal.user.id)) return askSignIn(request, reply, uid, principal)
      result = { error: 'unmet_authentication_requirements', error_description: 'the account has no second factor' }
    } else {
      result = {
        login: {
          accountId: String(principal.user.id), amr: [...amr], acr: hasSecondFactor(amr) ? ACR_MFA : ACR_PASSWORD,
          ts: Math.floor(signedInAt / 1000), remember: true,
        },
      }
    }
    const returnTo = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false })
    const client = await deps.findClient(String(params.client_id))
    return moveOn(request, reply, returnTo, client?.name ?? 'the application', principal.user)
  }

  /** The signed-in user the consent is asked of: the provider session's, or a new sign-in. */
  async function consentingUser(request: FastifyRequest, reply: FastifyReply, interaction: Interaction): Promise<Principal | null> {
    const principal = await page.resolve(request, reply)
    if (principal === null || String(principal.user.id) !== interaction.session?.accountId) return null
    return principal
  }

  function missingScopes(interaction: Interaction): string[] {
    const missing = (interaction.prompt.details as { missingOIDCScope?: unknown }).missingOIDCScope
    return Array.isArray(missing) ? missing.filter((s): s is string => typeof s === 'string') : []
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/oidc/interaction/:uid/', { schema: { ...oidcDocs.interaction, params: UidParams } }, async (request, reply) => {
      const provider = await deps.provider()
      const interaction = await details(provider, request, reply)
      if (interaction.uid !== request.params.uid) throw AppError.badRequest(EXPIRED)
      if (interaction.prompt.name === 'login') return finishLogin(request, reply, provider, interaction)
      if (interaction.prompt.name !== 'consent') throw AppError.badRequest(EXPIRED)
      const principal = await consentingUser(request, reply, interaction)
      if (principal === null) return toLogin(reply, interaction.uid)
      const client = await deps.findClient(String(interaction.params.client_id))
      return render(request, reply, 'oidc-consent', {
        title: `Allow ${client?.name ?? 'this application'}?`, user: principal.user, client: client?.name ?? String(interaction.params.client_id),
        scopes: missingScopes(interaction).map((name) => ({ name, description: SCOPE_DESCRIPTIONS[name] ?? name })),
        action: `${interactionPath(interaction.uid)}consent/`, switchUser: `/login/?${new URLSearchParams({ next: interactionPath(interaction.uid) })}`,
      })
    })

    app.post('/oidc/interaction/:uid/consent/', {
      schema: { ...oidcDocs.consent, params: UidParams, body: ConsentForm }, preValidation: [deps.form],
    }, async (request, reply) => {
      const provider = await deps.provider()
      const interaction = await details(provider, request, reply)
      if (interaction.uid !== request.params.uid || interaction.prompt.name !== 'consent') throw AppError.badRequest(EXPIRED)
      const principal = await consentingUser(request, reply, interaction)
      if (principal === null) return toLogin(reply, interaction.uid)
      const clientId = String(interaction.params.client_id)
      const client = await deps.findClient(clientId)
      if (request.body.decision !== 'allow') {
        const result = { error: 'access_denied', error_description: 'End-User denied the request' }
        const returnTo = await provider.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false })
        return moveOn(request, reply, returnTo, client?.name ?? 'the application', principal.user)
      }
      const grant = (interaction.grantId === undefined ? undefined : await provider.Grant.find(interaction.grantId))
        ?? new provider.Grant({ accountId: String(principal.user.id), clientId })
      const scopes = missingScopes(interaction)
      if (scopes.length > 0) grant.addOIDCScope(scopes)
      const claims = (interaction.prompt.details as { missingOIDCClaims?: unknown }).missingOIDCClaims
      if (Array.isArray(claims)) grant.addOIDCClaims(claims.filter((c): c is string => typeof c === 'string'))
      const grantId = await grant.save()
      await deps.recordConsent(page.context(request), principal.user, clientId, scopes)
      const consent = interaction.grantId === undefined ? { grantId } : {}
      const returnTo = await provider.interactionResult(request.raw, reply.raw, { consent }, { mergeWithLastSubmission: true })
      return moveOn(request, reply, returnTo, client?.name ?? 'the application', principal.user)
    })
  }
}
