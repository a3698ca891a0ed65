import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import type { Browser, CDPSession, Page } from 'playwright-core'

// Passkey ceremonies in Debian's Chromium (never a downloaded browser) with its virtual authenticator (Chrome
// DevTools Protocol, WebAuthn domain). The page is the smallest front end: @simplewebauthn/browser, as a real one
// would load it, on http://localhost:<port> (a secure context, so WebAuthn runs); the test passes it the options the
// service gave and takes back the response to send to the service.

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']
const BUNDLE = readFileSync(new URL('../../node_modules/@simplewebauthn/browser/dist/bundle/index.umd.min.js', import.meta.url))
const PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Passkey ceremony</title>'
  + '<script src="/simplewebauthn-browser.js"></script></head><body><main><h1>Passkey ceremony</h1></main></body></html>'

/** A web server on localhost serving the ceremony page: `origin` is what the browser signs into clientDataJSON. */
export async function startCeremonyHost(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    if (request.url === '/simplewebauthn-browser.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(BUNDLE)
    } else {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { origin: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, chromiumSandbox: false })
}

export type Json = Record<string, unknown>

/** A tab with one virtual authenticator of its own (CTAP2, built in, resident keys, user verification). */
export type AuthenticatorTab = {
  page: Page
  register(options: unknown): Promise<Json>
  authenticate(options: unknown): Promise<Json>
  setUserVerified(verified: boolean): Promise<void>
  close(): Promise<void>
}

export async function openAuthenticatorTab(browser: Browser, origin: string): Promise<AuthenticatorTab> {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${origin}/`)
  const cdp: CDPSession = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable', { enableUI: false })
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  return {
    page,
    register: (options) => page.evaluate((optionsJSON) =>
      (globalThis as unknown as { SimpleWebAuthnBrowser: { startRegistration(o: unknown): Promise<Json> } })
        .SimpleWebAuthnBrowser.startRegistration({ optionsJSON }), options),
    authenticate: (options) => page.evaluate((optionsJSON) =>
      (globalThis as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: unknown): Promise<Json> } })
        .SimpleWebAuthnBrowser.startAuthentication({ optionsJSON }), options),
    setUserVerified: async (isUserVerified) => { await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }) },
    close: () => context.close(),
  }
}
