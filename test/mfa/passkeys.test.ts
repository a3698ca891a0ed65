import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Browser } from 'playwright-core'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { assertTokenPair, claimsOf, mfaToken, SECURITY_SUBJECT } from '../helpers/mfa.ts'
import { launchChromium, openAuthenticatorTab, startCeremonyHost } from '../helpers/passkey-browser.ts'
import type { AuthenticatorTab, Json } from '../helpers/passkey-browser.ts'

// API.md §12, passkeys end to end: Debian's Chromium runs each ceremony with a virtual authenticator, on a page served
// from the origin the service accepts (WEBAUTHN_ORIGINS); the test carries options and responses between the two.

const NOT_RECOGNISED = { detail: 'Passkey not recognised.' }
const REGISTRATION_FAILED = { credential: ['Passkey registration failed.'] }

describe('Passkeys (API.md §12)', () => {
  let server: TestServer
  let api: Client
  let browser: Browser
  let host: Awaited<ReturnType<typeof startCeremonyHost>>
  let elsewhere: Awaited<ReturnType<typeof startCeremonyHost>>
  const tabs: AuthenticatorTab[] = []

  before(async () => {
    host = await startCeremonyHost()
    elsewhere = await startCeremonyHost()
    server = await startServer({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: host.origin })
    api = client(server.base)
    browser = await launchChromium()
  })
  after(async () => {
    try {
      for (const tab of tabs) await tab.close()
      await browser?.close()
    } finally {
      await host?.close()
      await elsewhere?.close()
      await server?.close()
    }
  })

  async function tab(origin = host.origin): Promise<AuthenticatorTab> {
    const opened = await openAuthenticatorTab(browser, origin)
    tabs.push(opened)
    return opened
  }

  /** A user with a passkey in `authenticator`: the registration's answer and the browser's credential id. */
  async function userWithPasskey(authenticator: AuthenticatorTab, name = 'Laptop') {
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    const options = await api.post('/api/webauthn/register/options/', {}, { bearer: access })
    assert.equal(options.status, 200, options.text)
    const credential = await authenticator.register(options.body)
    const verified = await api.post('/api/webauthn/register/verify/', { credential, name }, { bearer: access })
    assert.equal(verified.status, 201, verified.text)
    return { ...user, access, credentialId: String(credential.id), passkey: verified.body as { id: number; recovery_codes: string[] } }
  }

  async function usernamelessAssertion(authenticator: AuthenticatorTab): Promise<Json> {
    const options = await api.post('/api/webauthn/login/options/', {})
    assert.equal(options.status, 200)
    return authenticator.authenticate(options.body)
  }

  it('When a passkey is registered, then 201 with recovery codes, the options asked for a resident key and UV, and a mail', async () => {
    const authenticator = await tab()
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    const other = await login(api, user.email, user.password)
    const options = await api.post('/api/webauthn/register/options/', {}, { bearer: access })
    const body = options.body as { rp: Json; user: Json; authenticatorSelection: Json; attestation: string; challenge: string }
    assert.deepEqual(body.rp, { name: 'UniLink', id: 'localhost' })
    assert.equal(body.user.name, user.email)
    assert.equal(body.authenticatorSelection.residentKey, 'required')
    assert.equal(body.authenticatorSelection.userVerification, 'required')
    assert.equal(body.attestation, 'none')

    const credential = await authenticator.register(options.body)
    const created = await api.post('/api/webauthn/register/verify/', { credential, name: 'Work laptop' }, { bearer: access })
    assert.equal(created.status, 201)
    const passkey = created.body as { id: number; name: string; created: string; last_used: null; recovery_codes: string[] }
    assert.deepEqual(Object.keys(passkey).sort(), ['created', 'id', 'last_used', 'name', 'recovery_codes'])
    assert.equal(passkey.name, 'Work laptop')
    assert.equal(passkey.last_used, null)
    assert.equal(passkey.recovery_codes.length, 10)
    await server.mail.waitFor((m) => m.to === user.email && m.subject === SECURITY_SUBJECT && m.text.includes('A passkey was added: "Work laptop"'))
    assert.equal((await api.get('/api/users/me/', { bearer: other.access })).status, 401)
    const status = await api.get('/api/mfa/', { bearer: access })
    assert.deepEqual(status.body, { enabled: true, totp: false, passkeys: 1, recovery_codes_left: 10, required: false })

    // Truncated attestation: refused.
    // (The authenticator honours excludeCredentials: the options are given without it, as a hostile client could.)
    const moreOptions = (await api.post('/api/webauthn/register/options/', {}, { bearer: access })).body as Json
    const more = await authenticator.register({ ...moreOptions, excludeCredentials: [] })
    const moreResponse = more.response as Json
    const cutObject = { ...more, response: { ...moreResponse, attestationObject: String(moreResponse.attestationObject).slice(0, 40) } }
    assert.deepEqual((await api.post('/api/webauthn/register/verify/', { credential: cutObject }, { bearer: access })).body, REGISTRATION_FAILED)
    // The same response again: its challenge is spent.
    const replayed = await api.post('/api/webauthn/register/verify/', { credential, name: 'Again' }, { bearer: access })
    assert.equal(replayed.status, 400)
    assert.deepEqual(replayed.body, REGISTRATION_FAILED)
    // A second passkey is not the first factor: no codes; the first is excluded from its options.
    const next = await api.post('/api/webauthn/register/options/', {}, { bearer: access })
    assert.deepEqual((next.body as { excludeCredentials: { id: string }[] }).excludeCredentials.map((c) => c.id), [credential.id])
  })

  it('When a user signs in with their passkey and no username, then the tokens carry amr hwk+user; a replay is refused', async () => {
    const authenticator = await tab()
    const user = await userWithPasskey(authenticator)
    // Truncated: refused, and the challenge it answered is spent, so the intact response fails too.
    const cut = await usernamelessAssertion(authenticator)
    const response = cut.response as Json
    for (const field of ['signature', 'authenticatorData', 'clientDataJSON']) {
      const truncated = { ...cut, response: { ...response, [field]: String(response[field]).slice(0, 10) } }
      assert.deepEqual((await api.post('/api/webauthn/login/verify/', { credential: truncated })).body, NOT_RECOGNISED)
    }
    assert.deepEqual((await api.post('/api/webauthn/login/verify/', { credential: cut })).body, NOT_RECOGNISED)

    const assertion = await usernamelessAssertion(authenticator)
    const pair = assertTokenPair(await api.post('/api/webauthn/login/verify/', { credential: assertion }))
    assert.deepEqual(claimsOf(pair.access).amr, ['hwk', 'user'])
    const me = await api.get('/api/users/me/', { bearer: pair.access })
    assert.equal((me.body as { email: string }).email, user.email)
    const replay = await api.post('/api/webauthn/login/verify/', { credential: assertion })
    assert.equal(replay.status, 401)
    assert.deepEqual(replay.body, NOT_RECOGNISED)
    const listed = await api.get('/api/webauthn/credentials/', { bearer: pair.access })
    const [only] = listed.body as { last_used: string | null }[]
    assert.match(String(only?.last_used), /^\d{4}-\d\d-\d\dT/)
    const sessions = (await api.get('/api/sessions/', { bearer: pair.access })).body as { current: boolean; amr: string[] }[]
    assert.deepEqual(sessions.find((s) => s.current)?.amr, ['hwk', 'user'])
  })

  it('When a passkey is the second factor after a password, then jwt/create/mfa/ takes its assertion', async () => {
    const authenticator = await tab()
    const user = await userWithPasskey(authenticator)
    const first = await api.post('/api/jwt/create/', { email: user.email, password: user.password })
    assert.deepEqual((first.body as { methods: string[] }).methods, ['webauthn', 'recovery_code'])
    const token = (first.body as { mfa_token: string }).mfa_token
    const options = await api.post('/api/webauthn/login/options/', { mfa_token: token })
    assert.equal(options.status, 200)
    assert.deepEqual((options.body as { allowCredentials: { id: string }[] }).allowCredentials.map((c) => c.id), [user.credentialId])
    const assertion = await authenticator.authenticate(options.body)
    // The challenge is bound to the mfa_token: the usernameless route does not take it.
    const pair = assertTokenPair(await api.post('/api/jwt/create/mfa/', { mfa_token: token, webauthn: assertion }))
    assert.deepEqual(claimsOf(pair.access).amr, ['pwd', 'hwk', 'user'])

    const token2 = await mfaToken(api, user.email, user.password)
    const bound = await authenticator.authenticate((await api.post('/api/webauthn/login/options/', { mfa_token: token2 })).body)
    assert.deepEqual((await api.post('/api/webauthn/login/verify/', { credential: bound })).body, NOT_RECOGNISED)
    assert.deepEqual((await api.post('/api/webauthn/login/options/', { mfa_token: 'not-a-token' })).body,
      { detail: 'Token is invalid or expired', code: 'mfa_token_invalid' })
  })

  it('When the authenticator did not verify the user, then the assertion is refused', async () => {
    const authenticator = await tab()
    await userWithPasskey(authenticator)
    await authenticator.setUserVerified(false)
    // A client that asks the authenticator not to verify (userVerification discouraged): the UV flag is off.
    const options = (await api.post('/api/webauthn/login/options/', {})).body as Json
    const assertion = await authenticator.authenticate({ ...options, userVerification: 'discouraged' })
    const flags = Buffer.from(String((assertion.response as Json).authenticatorData), 'base64url')[32] ?? 0xff
    assert.equal(flags & 0x04, 0, 'the UV flag is off')
    assert.equal(flags & 0x01, 1, 'the UP flag is on')
    const res = await api.post('/api/webauthn/login/verify/', { credential: assertion })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, NOT_RECOGNISED)
    assert.equal(res.setCookies.length, 0)
  })

  it('When another user\'s passkey answers an mfa_token\'s challenge, then it is refused as a wrong factor', async () => {
    const alice = await userWithPasskey(await tab())
    const bobAuthenticator = await tab()
    const bob = await userWithPasskey(bobAuthenticator)
    const token = await mfaToken(api, alice.email, alice.password)
    const options = (await api.post('/api/webauthn/login/options/', { mfa_token: token })).body as Json
    const assertion = await bobAuthenticator.authenticate({ ...options, allowCredentials: [{ id: bob.credentialId, type: 'public-key' }] })
    const res = await api.post('/api/jwt/create/mfa/', { mfa_token: token, webauthn: assertion })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, { webauthn: ['Invalid code.'] })
  })

  it('When a registration response answers another user\'s challenge, then 400 and no passkey', async () => {
    const authenticator = await tab()
    const alice = await registerAndActivate(server)
    const bob = await registerAndActivate(server)
    const aliceAccess = (await login(api, alice.email, alice.password)).access
    const bobAccess = (await login(api, bob.email, bob.password)).access
    const options = await api.post('/api/webauthn/register/options/', {}, { bearer: aliceAccess })
    const credential = await authenticator.register(options.body)
    const res = await api.post('/api/webauthn/register/verify/', { credential, name: 'Stolen' }, { bearer: bobAccess })
    assert.equal(res.status, 400)
    assert.deepEqual(res.body, REGISTRATION_FAILED)
    assert.deepEqual((await api.get('/api/webauthn/credentials/', { bearer: bobAccess })).body, [])
  })

  it('When the ceremony ran on an origin the service does not accept, then registration and login are refused', async () => {
    const good = await tab()
    const user = await userWithPasskey(good)
    const foreign = await tab(elsewhere.origin)
    const options = await api.post('/api/webauthn/register/options/', {}, { bearer: user.access })
    const credential = await foreign.register(options.body)
    assert.deepEqual((await api.post('/api/webauthn/register/verify/', { credential }, { bearer: user.access })).body, REGISTRATION_FAILED)
    const assertion = await usernamelessAssertion(foreign)
    const clientData = JSON.parse(Buffer.from(String((assertion.response as Json).clientDataJSON), 'base64url').toString('utf8')) as Json
    assert.equal(clientData.origin, elsewhere.origin)
    const res = await api.post('/api/webauthn/login/verify/', { credential: assertion })
    assert.equal(res.status, 401)
    assert.deepEqual(res.body, NOT_RECOGNISED)
  })

  it('When passkeys are listed, renamed and removed, then only the owner reaches them and removal needs the password', async () => {
    const authenticator = await tab()
    const user = await userWithPasskey(authenticator, 'Phone')
    const stranger = await registerAndActivate(server)
    const strangerAccess = (await login(api, stranger.email, stranger.password)).access
    const id = user.passkey.id
    const list = await api.get('/api/webauthn/credentials/', { bearer: user.access })
    assert.equal(list.status, 200)
    assert.deepEqual((list.body as Json[]).map((p) => [p.id, p.name]), [[id, 'Phone']])
    const renamed = await api.patch(`/api/webauthn/credentials/${id}/`, { name: 'Old phone' }, { bearer: user.access })
    assert.equal(renamed.status, 200)
    assert.equal((renamed.body as Json).name, 'Old phone')
    const paths = [`/api/webauthn/credentials/${id}/`, '/api/webauthn/credentials/999999/', '/api/webauthn/credentials/abc/',
      '/api/webauthn/credentials/99999999999/']
    for (const path of paths) {
      assert.deepEqual((await api.patch(path, { name: 'x' }, { bearer: strangerAccess })).body, { detail: 'Not found.' })
      const removed = await api.delete(path, { current_password: stranger.password }, { bearer: strangerAccess })
      assert.equal(removed.status, 404)
    }
    const wrong = await api.delete(`/api/webauthn/credentials/${id}/`, { current_password: 'nope' }, { bearer: user.access })
    assert.deepEqual(wrong.body, { current_password: ['Invalid password.'] })
    const removed = await api.delete(`/api/webauthn/credentials/${id}/`, { current_password: user.password }, { bearer: user.access })
    assert.equal(removed.status, 204)
    await server.mail.waitFor((m) => m.to === user.email && m.text.includes('A passkey was removed: "Old phone"'))
    const status = await api.get('/api/mfa/', { bearer: user.access })
    assert.deepEqual(status.body, { enabled: false, totp: false, passkeys: 0, recovery_codes_left: 0, required: false })
    assertTokenPair(await api.post('/api/jwt/create/', { email: user.email, password: user.password }))
    // Its assertions no longer sign anyone in.
    const stale = await usernamelessAssertion(authenticator)
    assert.deepEqual((await api.post('/api/webauthn/login/verify/', { credential: stale })).body, NOT_RECOGNISED)
  })
})
