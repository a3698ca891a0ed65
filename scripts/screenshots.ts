import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startServer } from '../test/helpers/server.ts'
import { registerAndActivate } from '../test/helpers/flows.ts'
import { STAFF_PASSWORD, loginSiteAdmin, registerUniversity } from '../test/helpers/university-flows.ts'
import { openBrowser, signIn } from '../test/helpers/browser.ts'

// `npm run screenshots`: the README's pictures of /login/, /account/ and /admin/, taken by Debian's Chromium from a
// real server on a throw-away SQLite database with a few sample rows, so they show the pages as they are now.
const OUT = new URL('../docs/screenshots/', import.meta.url).pathname

const server = await startServer({ SITE_NAME: 'UniLink' })
try {
  mkdirSync(OUT, { recursive: true })
  const root = await loginSiteAdmin(server)
  for (const name of ['Delft', 'Leiden', 'Utrecht']) await registerUniversity(server, { name: `University of ${name}` })
  const student = await registerAndActivate(server, { first_name: 'Ada', last_name: 'Lovelace' })
  const browser = await openBrowser(server.base, { width: 1280, height: 800 })
  try {
    const { page } = browser
    await page.goto(`${server.base}/login/`)
    await page.screenshot({ path: join(OUT, 'login.png') })
    await signIn(page, server.base, student.email, student.password)
    await page.screenshot({ path: join(OUT, 'account.png'), fullPage: true })
    await browser.context.clearCookies()
    await signIn(page, server.base, root.email, STAFF_PASSWORD, '/login/?next=/admin/')
    await page.screenshot({ path: join(OUT, 'admin.png') })
  } finally {
    await browser.close()
  }
  process.stdout.write(`Screenshots written to ${OUT}\n`)
} finally {
  await server.close()
}
