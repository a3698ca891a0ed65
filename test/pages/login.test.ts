import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { assertAccessible, openBrowser, screenshot, signIn } from '../helpers/browser.ts'
import type { TestBrowser } from '../helpers/browser.ts'

// API.md §14 /login/: labels and buttons are the contract's; the errors are §6's words, on the page.
const BAD_CREDENTIALS = 'No active account found with the given credentials'
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
  + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

/** A form's hidden CSRF token and the `_csrf` cookie it belongs to, from a GET of the page. */
async function formToken(base: string, path: string): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${base}${path}`)
  const token = /name="_csrf" value="([^"]+)"/.exec(await res.text())?.[1]
  const cookie = /^_csrf=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0]
  assert.ok(token && cookie, 'no CSRF token on the page')
  return { token, cookie }
}

function form(fields: Record<string, string>) {
  return new URLSearchParams(fields).toString()
}

describe('Hosted pages: /login/ (API.md §14)', () => {
  let server: TestServer
  let browser: TestBrowser
  let user: Awaited<ReturnType<typeof registerAndActivate>>

  before(async () => {
    server = await startServer()
    user = await registerAndActivate(server)
    browser = await openBrowser(server.base)
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  it('When /login/ is fetched, then it is HTML with the strict CSP, nosniff, same-origin referrer and no inline script or style', async () => {
    const res = await fetch(`${server.base}/login/`)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(res.headers.get('content-security-policy'), CSP)
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
    assert.equal(res.headers.get('referrer-policy'), 'same-origin')
    assert.equal(res.headers.get('x-frame-options'), 'DENY')
    assert.equal(res.headers.get('cache-control'), 'no-store')
    const html = await res.text()
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    assert.ok(scripts.length >= 1)
    for (const [, attributes = '', body = ''] of scripts) {
      // pages.js, and the passkey buttons' script with its vendored library (assets/pages/README.md).
      assert.match(attributes, /\bsrc="\/static\/pages\/(pages|passkeys|simplewebauthn-browser-14\.0\.0\.umd\.min)\.[0-9a-f]{10}\.js"/)
      assert.equal(body.trim(), '')
    }
    assert.doesNotMatch(html, /\sstyle=|<style|\son[a-z]+=/i)
    const css = /href="(\/static\/pages\/pages\.[0-9a-f]{10}\.css)"/.exec(html)?.[1]
    assert.ok(css)
    const asset = await fetch(`${server.base}${css}`)
    assert.equal(asset.status, 200)
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    assert.equal((await fetch(`${server.base}/static/pages/pages.css`)).status, 404)
  })

  it('When the wrong password is given, then the page says §6\'s message by the form and no cookie is set', async () => {
    const { page } = browser
    await signIn(page, server.base, user.email, 'not-the-password')
    assert.equal(new URL(page.url()).pathname, '/login/')
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: BAD_CREDENTIALS }).waitFor())
    assert.equal(await page.getByLabel('Email').inputValue(), user.email)
    assert.equal(await page.getByLabel('Password').inputValue(), '')
    const names = (await browser.context.cookies()).map((c) => c.name)
    assert.ok(!names.includes('access') && !names.includes('refresh'), names.join())
    await assertAccessible(page, 'login with an error')
    await screenshot(page, 'login-error')
  })

  it('When the reader prefers a dark colour scheme, then the page is dark and still passes axe (contrast included)', async () => {
    const { page } = browser
    await page.emulateMedia({ colorScheme: 'dark' })
    try {
      await page.goto(`${server.base}/login/`)
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
      assert.equal(background, 'rgb(17, 20, 24)')
      await assertAccessible(page, 'login, dark')
      await screenshot(page, 'login-dark')
    } finally {
      await page.emulateMedia({ colorScheme: 'light' })
    }
  })

  it('When a field is left empty, then its own message is shown beside it', async () => {
    const { page } = browser
    await page.goto(`${server.base}/login/`)
    await page.getByLabel('Email').fill(user.email)
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.waitForLoadState('load')
    const password = page.getByLabel('Password')
    assert.equal(await password.getAttribute('aria-invalid'), 'true')
    assert.equal(await page.locator('#login-password-error').innerText(), 'This field may not be blank.')
  })

  it('When the right password is given, then the §3 cookies are set, /account/ opens and the API accepts the same session', async () => {
    const { page, context } = browser
    await page.goto(`${server.base}/login/`)
    await assertAccessible(page, 'login')
    await screenshot(page, 'login')
    await signIn(page, server.base, user.email, user.password)
    assert.equal(new URL(page.url()).pathname, '/account/')
    const cookies = await context.cookies()
    for (const name of ['access', 'refresh']) {
      const cookie = cookies.find((c) => c.name === name)
      assert.ok(cookie, `${name} cookie`)
      assert.equal(cookie.httpOnly, true)
      assert.equal(cookie.path, '/')
      assert.equal(cookie.secure, true)
      assert.equal(cookie.sameSite, 'None')
      assert.ok(cookie.expires > Date.now() / 1000 + 604000)
    }
    const me = await context.request.get(`${server.base}/api/users/me/`)
    assert.equal(me.status(), 200)
    assert.equal((await me.json() as { email: string }).email, user.email)
  })

  it('When next= is a path of this service, then signing in goes there; another origin is refused for /account/', async () => {
    const cases: [string, string][] = [
      ['/account/?x=1', '/account/?x=1'],
      ['//evil.example/steal', '/account/'],
      ['https://evil.example/', '/account/'],
      ['/\\evil.example', '/account/'],
      ['javascript:alert(1)', '/account/'],
      ['/%0a/evil', '/%0a/evil'],
    ]
    const { page, context } = browser
    for (const [next, expected] of cases) {
      await context.clearCookies()
      await signIn(page, server.base, user.email, user.password, `/login/?next=${encodeURIComponent(next)}`)
      const landed = new URL(page.url())
      assert.equal(landed.origin, server.base, next)
      assert.equal(`${landed.pathname}${landed.search}`, expected, next)
    }
    assert.deepEqual(browser.elsewhere, [])
  })

  it('When the form is posted without its CSRF token, or from another origin, then 403 with a page saying so and no sign-in', async () => {
    const body = form({ email: user.email, password: user.password })
    const headers = { 'content-type': 'application/x-www-form-urlencoded' }
    const noToken = await fetch(`${server.base}/login/`, { method: 'POST', body, headers, redirect: 'manual' })
    assert.equal(noToken.status, 403)
    assert.match(noToken.headers.get('content-type') ?? '', /^text\/html/)
    assert.equal(noToken.headers.get('content-security-policy'), CSP)
    assert.match(await noToken.text(), /CSRF Failed: this form is out of date or did not come from this site/)
    assert.equal(noToken.headers.get('set-cookie')?.includes('access='), false)

    const { token, cookie } = await formToken(server.base, '/login/')
    const wrongToken = await fetch(`${server.base}/login/`, {
      method: 'POST', body: `${body}&_csrf=${token.slice(0, -2)}xx`, headers: { ...headers, cookie }, redirect: 'manual',
    })
    assert.equal(wrongToken.status, 403)
    const crossSite = await fetch(`${server.base}/login/`, {
      method: 'POST', body: `${body}&_csrf=${encodeURIComponent(token)}`, headers: { ...headers, cookie, origin: 'https://evil.example' }, redirect: 'manual',
    })
    assert.equal(crossSite.status, 403)
    assert.match(await crossSite.text(), /CSRF Failed: Origin checking failed - https:\/\/evil.example does not match any trusted origins./)
    const genuine = await fetch(`${server.base}/login/`, {
      method: 'POST', body: `${body}&_csrf=${encodeURIComponent(token)}`, headers: { ...headers, cookie, origin: server.base }, redirect: 'manual',
    })
    assert.equal(genuine.status, 303)
    assert.equal(genuine.headers.get('location'), '/account/')
    assert.match(genuine.headers.get('set-cookie') ?? '', /access=/)
  })

  it('When "Forgot password?" is followed, then the mailed link\'s page sets a new password that signs in', async () => {
    const reset = await openBrowser(server.base)
    try {
      const { page } = reset
      await page.goto(`${server.base}/login/`)
      await page.getByRole('link', { name: 'Forgot password?' }).click()
      assert.equal(new URL(page.url()).pathname, '/login/reset/')
      await assertAccessible(page, 'reset request')
      await page.getByLabel('Email').fill(user.email)
      await page.getByRole('button', { name: 'Send reset link' }).click()
      await page.getByRole('status').filter({ hasText: 'If an account with that email exists' }).waitFor()
      const mail = await server.mail.waitFor((m) => m.to === user.email && m.subject.startsWith('Password reset'))
      const { uid, token } = linkParts(mail, 'nl/password-reset')
      await page.goto(`${server.base}/login/reset/${uid}/${token}/`)
      await assertAccessible(page, 'reset confirm')
      await page.getByLabel('New password', { exact: true }).fill('short')
      await page.getByLabel('Confirm new password').fill('short')
      await page.getByRole('button', { name: 'Set password' }).click()
      assert.match(await page.locator('#confirm-new_password-error').innerText(), /This password is too short. It must contain at least 8 characters./)
      await screenshot(page, 'reset-confirm-error')
      await page.getByLabel('New password', { exact: true }).fill('Brand-new-Secret-77')
      await page.getByLabel('Confirm new password').fill('Brand-new-Secret-77')
      await page.getByRole('button', { name: 'Set password' }).click()
      await page.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor()
      await signIn(page, server.base, user.email, 'Brand-new-Secret-77')
      assert.equal(new URL(page.url()).pathname, '/account/')
      user.password = 'Brand-new-Secret-77'
      // A form sent back with its errors answers 400, which Chromium logs; nothing else may be reported (CSP, script).
      assert.deepEqual(reset.consoleErrors.filter((e) => !e.startsWith('Failed to load resource: the server responded with a status of 400')), [])
    } finally {
      await reset.close()
    }
  })
})

describe('Hosted pages: /login/ under rate limits (API.md §11, §14)', () => {
  let server: TestServer
  let browser: TestBrowser

  before(async () => {
    server = await startServer({ RATE_LIMIT: 'on', RATE_LIMIT_LOGIN_ACCOUNT_IP: '2/900' })
    browser = await openBrowser(server.base)
  })
  after(async () => {
    try {
      await browser?.close()
    } finally {
      await (server as TestServer | undefined)?.close()
    }
  })

  it('When the failed sign-ins of an account pass the limit, then the page shows DRF\'s throttle message, not JSON', async () => {
    const user = await registerAndActivate(server)
    const { page } = browser
    for (let i = 0; i < 2; i++) {
      await signIn(page, server.base, user.email, 'wrong-password')
      await page.getByRole('alert').filter({ hasText: BAD_CREDENTIALS }).waitFor()
    }
    const answer = page.waitForResponse((r) => r.url() === `${server.base}/login/` && r.request().method() === 'POST')
    await signIn(page, server.base, user.email, user.password)
    const res = await answer
    assert.equal(res.status(), 429)
    assert.match(res.headers()['retry-after'] ?? '', /^\d+$/)
    const alert = await page.getByRole('alert').innerText()
    assert.match(alert, /^Request was throttled\. Expected available in \d+ seconds\.$/)
    assert.equal(await page.getByLabel('Email').inputValue(), user.email)
    await assertAccessible(page, 'login throttled')
  })
})
