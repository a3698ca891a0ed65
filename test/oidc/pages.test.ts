import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type * as oidc from 'openid-client'
import type { Page } from 'playwright-core'
import { registerAndActivate } from '../helpers/flows.ts'
import { assertAccessible, screenshot } from '../helpers/browser.ts'
import type { TestServer } from '../helpers/server.ts'
import {
  POST_LOGOUT_URI, authorizationRequest, authorize, exchange, fillSignIn, openRpBrowser, registerClient, relyingParty, startOidcServer,
} from '../helpers/oidc.ts'
import type { Registered } from '../helpers/oidc.ts'

// API.md §14, §15: the OIDC pages (consent, the provider's error and logout pages) are accessible (axe), light and
// dark, at 1440 and 360 px, and need no script.
describe('OIDC pages (GET /oidc/interaction/{uid}/, the provider\'s error and logout pages)', () => {
  let server: TestServer
  let library: Registered
  let rp: oidc.Configuration

  before(async () => {
    server = await startOidcServer()
    library = await registerClient(server, { name: 'Campus Library' })
    rp = await relyingParty(server, library)
  })
  after(async () => { await server.close() })

  async function everyLook(page: Page, name: string): Promise<void> {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme })
      for (const width of [1440, 360]) {
        await page.setViewportSize({ width, height: 900 })
        await assertAccessible(page, `${name} ${scheme} ${width}px`)
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth)
        assert.equal(overflow, false, `${name} ${scheme} ${width}px scrolls sideways`)
        await screenshot(page, `oidc-${name}-${scheme}-${width}`)
      }
    }
  }

  it('When the consent page is shown, then it names the client and scopes with Allow and Deny, passes axe and fits 360 px', async () => {
    const user = await registerAndActivate(server)
    const request = await authorizationRequest(rp, { scope: 'openid profile email unilink offline_access', prompt: 'consent' })
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      await page.goto(request.url.href)
      await fillSignIn(page, user.email, user.password)
      await page.getByRole('heading', { name: 'Allow Campus Library?' }).waitFor()
      assert.equal(await page.getByRole('button', { name: 'Allow' }).count(), 1)
      assert.equal(await page.getByRole('button', { name: 'Deny' }).count(), 1)
      assert.equal(await page.locator('form[action$="/consent/"] input[name="_csrf"]').count(), 1)
      await everyLook(page, 'consent')
      assert.deepEqual(browser.consoleErrors, [])
    } finally {
      await browser.close()
    }
  })

  it('When the provider shows its error and logout pages, then they are ours: accessible and styled', async () => {
    const browser = await openRpBrowser(server.base)
    try {
      const { page } = browser
      await page.goto(`${server.base}/oidc/auth?client_id=unknown&response_type=code&scope=openid`)
      await page.getByRole('heading', { name: 'Sign-in request refused' }).waitFor()
      await everyLook(page, 'error')

      const user = await registerAndActivate(server)
      const request = await authorizationRequest(rp, { scope: 'openid' })
      const tokens = await exchange(rp, await authorize(page, request.url, user), request)
      const logout = new URL(`${server.base}/oidc/session/end`)
      logout.search = new URLSearchParams({ id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: POST_LOGOUT_URI }).toString()
      await page.goto(logout.href)
      await page.getByRole('heading', { name: 'Sign out' }).waitFor()
      await everyLook(page, 'logout')
      // The error page's own 400 is reported by the browser; a script error or CSP refusal would be too.
      assert.deepEqual(browser.consoleErrors.filter((e) => !e.includes('status of 400')), [])
    } finally {
      await browser.close()
    }
  })
})
