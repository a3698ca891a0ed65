import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as oidc from 'openid-client'
import { createRemoteJWKSet, jwtVerify } from 'jose'
import type { JWTPayload } from 'jose'
import type { Page } from 'playwright-core'
import { openBrowser } from './browser.ts'
import type { TestBrowser } from './browser.ts'
import { createOidcClientStore } from '../../src/oidc/clients-store.ts'
import { hashClientSecret, newClientId, newClientSecret } from '../../src/oidc/client-secrets.ts'
import { freePort } from './ports.ts'
import { startServer } from './server.ts'
import type { ServerOptions, TestServer } from './server.ts'

// A relying party in the tests (API.md §15): openid-client against the running service, its front channel driven
// in Chromium. The URL the browser brings to the relying party's redirect URI is all a relying party reads of it.

// The relying party's origin: a server answering every request with a blank page, so the browser's last hop (a
// redirect, which Playwright's routing does not see) lands somewhere. Unref'd: it never keeps a test process alive.
const rpServer = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html lang="en"><title>Relying party</title></html>')
})
await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve))
rpServer.unref()
export const RP_ORIGIN = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`
export const REDIRECT_URI = `${RP_ORIGIN}/callback`
export const POST_LOGOUT_URI = `${RP_ORIGIN}/signed-out`

/** The service with OIDC_ISSUER naming its own address (openid-client checks the discovered issuer against it). */
export async function startOidcServer(env: Record<string, string> = {}, opts: ServerOptions = {}): Promise<TestServer> {
  const port = await freePort()
  return startServer({ OIDC_ISSUER: `http://127.0.0.1:${port}`, ...env }, { ...opts, port })
}

export type Registered = { clientId: string; clientSecret: string | undefined; name: string }

/** A client as a site admin registers it (the table the clients API writes: its API is another feature's). */
export async function registerClient(server: TestServer, opts: {
  type?: 'confidential' | 'public'; firstParty?: boolean; name?: string; redirectUris?: string[]
} = {}): Promise<Registered> {
  const type = opts.type ?? 'confidential'
  const clientSecret = type === 'confidential' ? newClientSecret() : undefined
  const clientId = newClientId()
  const name = opts.name ?? 'Campus Library'
  await createOidcClientStore(server.db).insert(server.db, {
    clientId, name, type, firstParty: opts.firstParty ?? false, redirectUris: opts.redirectUris ?? [REDIRECT_URI],
    postLogoutRedirectUris: [POST_LOGOUT_URI], secretHash: clientSecret === undefined ? null : hashClientSecret(clientSecret),
  }, Date.now())
  return { clientId, clientSecret, name }
}

/** openid-client's configuration for a registered client, from the service's discovery document. */
export async function relyingParty(server: TestServer, client: Registered): Promise<oidc.Configuration> {
  const auth = client.clientSecret === undefined ? oidc.None() : oidc.ClientSecretPost(client.clientSecret)
  return oidc.discovery(new URL(server.base), client.clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] })
}

export type AuthRequest = { url: URL; state: string; verifier: string; nonce: string }

/** An authorization request of its own (state, nonce and PKCE verifier per test: nothing shared between tests). */
export async function authorizationRequest(config: oidc.Configuration, params: Record<string, string> = {}): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier()
  const state = oidc.randomState()
  const nonce = oidc.randomNonce()
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid profile email', state, nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...params,
  })
  return { url, state, verifier, nonce }
}

/** The URL the browser is sent to at the relying party while `action` runs. */
export async function callbackOf(page: Page, action: () => Promise<unknown>, prefix = REDIRECT_URI): Promise<URL> {
  const request = page.waitForRequest((r) => r.url().startsWith(prefix), { timeout: 30_000 })
  try {
    await action()
  } catch (error) {
    // The action's own failure is the story; the wait it leaves behind fails when the browser closes.
    request.catch(() => undefined)
    throw error
  }
  const url = new URL((await request).url())
  // The navigation ends there: the next one starts from a settled page.
  await page.waitForURL((u) => u.href.startsWith(prefix))
  return url
}

/** A browser of its own on the service, which may also go to the relying party's origin. */
export async function openRpBrowser(base: string): Promise<TestBrowser> {
  return openBrowser(base, { alsoAllow: RP_ORIGIN })
}

export async function fillSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/** The front channel as a person goes through it: the sign-in page, then `Allow` on the consent page. */
export async function authorize(page: Page, url: URL, user: { email: string; password: string }, opts: { consent?: boolean } = {}): Promise<URL> {
  return callbackOf(page, async () => {
    await page.goto(url.href)
    await page.waitForURL((u) => u.pathname === '/login/')
    await fillSignIn(page, user.email, user.password)
    if (opts.consent ?? true) {
      await page.getByRole('button', { name: 'Allow' }).click()
    }
  })
}

/** The code grant for a callback URL, checked by openid-client (state, PKCE, ID token claims and nonce). */
export async function exchange(config: oidc.Configuration, callback: URL, request: AuthRequest) {
  return oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce })
}

/** An ID token's signature checked against the published JWKS (jose), with its issuer and audience. */
export async function verifyIdToken(server: TestServer, idToken: string | undefined, audience: string): Promise<JWTPayload> {
  assert.ok(idToken !== undefined, 'an ID token')
  const jwks = createRemoteJWKSet(new URL(`${server.base}/.well-known/jwks.json`))
  const { payload } = await jwtVerify(idToken, jwks, { issuer: server.base, audience })
  return payload
}

/** An OAuth error answer of the token endpoint family (RFC 6749 §5.2), read raw. */
export async function tokenEndpoint(server: TestServer, form: Record<string, string>, auth?: Registered) {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' }
  if (auth?.clientSecret !== undefined) headers.authorization = `Basic ${Buffer.from(`${auth.clientId}:${auth.clientSecret}`).toString('base64')}`
  const res = await fetch(`${server.base}/oidc/token`, { method: 'POST', headers, body: new URLSearchParams(form) })
  return { status: res.status, body: await res.json() as Record<string, unknown> }
}
