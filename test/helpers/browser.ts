import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { AxeBuilder } from '@axe-core/playwright'

// Debian's Chromium, never a downloaded browser; no network but the test server (the pages use no CDN).
const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
]
export const SCREENSHOTS = new URL('../../test-results/pages/', import.meta.url).pathname

export type TestBrowser = {
  context: BrowserContext
  page: Page
  /** URLs the pages asked for outside the test server (refused): must stay empty. */
  elsewhere: string[]
  /** Script errors and CSP violations the browser reported. */
  consoleErrors: string[]
  close(): Promise<void>
}

/** A fresh browser profile (its own cookies) on the test server; `width` for the small-screen checks, `alsoAllow` another origin. */
export async function openBrowser(base: string, opts: { width?: number; height?: number; alsoAllow?: string } = {}): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'unilink-pages-'))
  let context: BrowserContext | undefined
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, chromiumSandbox: false,
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
    })
  } catch (error) {
    rmSync(profile, { recursive: true, force: true })
    throw error
  }
  const elsewhere: string[] = []
  const consoleErrors: string[] = []
  await context.route('**/*', async (route) => {
    const url = route.request().url()
    const allowed = url.startsWith(`${base}/`) || (opts.alsoAllow !== undefined && url.startsWith(`${opts.alsoAllow}/`))
    if (allowed || url.startsWith('data:') || url === 'about:blank') return route.continue()
    elsewhere.push(url)
    return route.abort()
  })
  const page = context.pages()[0] ?? await context.newPage()
  page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()) })
  page.on('pageerror', (error) => consoleErrors.push(error.message))
  const opened = context
  return {
    context: opened, page, elsewhere, consoleErrors,
    async close() {
      try {
        await opened.close()
      } finally {
        rmSync(profile, { recursive: true, force: true })
      }
    },
  }
}

/** axe-core over the page as it is now: no violation of any impact (WCAG 2.1 A/AA and best practices). */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze()
  const found = results.violations.map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
  assert.deepEqual(found, [], `${label}: accessibility violations`)
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** Signs in through /login/ as a person would: the labelled fields and the `Sign in` button (API.md §14). */
export async function signIn(page: Page, base: string, email: string, password: string, path = '/login/'): Promise<void> {
  await page.goto(`${base}${path}`)
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.waitForLoadState('load')
}
