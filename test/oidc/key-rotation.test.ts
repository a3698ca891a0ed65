import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as oidc from 'openid-client'
import { decodeProtectedHeader, errors as joseErrors } from 'jose'
import { registerAndActivate } from '../helpers/flows.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'
import type { TestServer } from '../helpers/server.ts'
import { authorizationRequest, authorize, exchange, openRpBrowser, registerClient, relyingParty, startOidcServer, verifyIdToken } from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §15: `keys rotate` publishes a new key at once (signing after OIDC_KEY_PREPUBLISH_SECONDS, 0 here), the old
// key stays published so its tokens still verify; `keys prune` drops it once no token it signed can be valid.
describe('OIDC signing keys: GET /.well-known/jwks.json across `keys rotate` and `keys prune`', () => {
  let server: TestServer
  let portal: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer({ OIDC_KEY_PREPUBLISH_SECONDS: '0' })
    portal = await registerClient(server, { name: 'Student Portal', firstParty: true })
    rp = await relyingParty(server, portal)
  })
  after(async () => { await server.close() })

  async function idToken(): Promise<string> {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp, { scope: 'openid' })
    const browser = await openRpBrowser(server.base)
    try {
      const tokens = await exchange(rp, await authorize(browser.page, request.url, user, { consent: false }), request)
      return tokens.id_token ?? ''
    } finally {
      await browser.close()
    }
  }

  async function publishedKids(): Promise<string[]> {
    const res = await fetch(`${server.base}/.well-known/jwks.json`)
    return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid)
  }

  /** The instance looks at the key table about once a second: poll its JWKS, with a deadline. */
  async function waitForKids(check: (kids: string[]) => boolean): Promise<string[]> {
    const deadline = Date.now() + 15_000
    for (;;) {
      const kids = await publishedKids()
      if (check(kids)) return kids
      if (Date.now() > deadline) throw new Error(`JWKS never matched: ${kids.join(', ')}`)
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  it('When the keys are rotated, then an older ID token still verifies and new ones are signed with the new key; pruned, the old one is refused', async () => {
    const before = await idToken()
    const oldKid = decodeProtectedHeader(before).kid ?? ''
    assert.ok((await publishedKids()).includes(oldKid))

    const initial = await publishedKids()
    const rotated = await runCli(['keys', 'rotate'], cliEnv(server.database, { OIDC_KEY_PREPUBLISH_SECONDS: '0' }))
    assert.equal(rotated.status, 0, rotated.stderr)
    const kids = await waitForKids((k) => k.length === initial.length + 2)
    assert.equal(kids.length, 4, 'the new ES256 and EdDSA keys are published beside the old ones')
    await verifyIdToken(server, before, portal.clientId)

    const afterRotation = await idToken()
    const newKid = decodeProtectedHeader(afterRotation).kid ?? ''
    assert.notEqual(newKid, oldKid)
    await verifyIdToken(server, afterRotation, portal.clientId)

    // Aged past the longest token lifetime (14 days), the retired keys may go.
    await server.db.updateTable('oidcSigningKeys').set((eb) => ({ retiredAt: eb('retiredAt', '-', 15 * 86_400_000) }))
      .where('retiredAt', 'is not', null).execute()
    const pruned = await runCli(['keys', 'prune'], cliEnv(server.database))
    assert.equal(pruned.status, 0, pruned.stderr)
    await waitForKids((k) => !k.includes(oldKid) && k.length === 2)
    await assert.rejects(verifyIdToken(server, before, portal.clientId), joseErrors.JWKSNoMatchingKey)
    await verifyIdToken(server, afterRotation, portal.clientId)
  })
})
