import { readFileSync } from 'node:fs'
import type { FastifyPluginAsync } from 'fastify'

const AVATAR = readFileSync(new URL('../../assets/avatar-male.png', import.meta.url))

function homePage(siteName: string): string {
  const name = siteName.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} Accounts</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>${name} Accounts</h1>
<p>The user-account and authentication service of ${name}. It speaks JSON under <a href="/api/">/api/</a>.</p>
<p>API reference: <a href="/api/docs/">/api/docs/</a></p>
<p>Your account: <a href="/login/">sign in</a> · <a href="/account/">account</a> · <a href="/admin/">admin</a></p>
</body></html>
`
}

// For the OpenAPI document (platform/openapi.ts).
const homeDocs = {
  summary: 'Home page: names the service, links the API docs',
  produces: ['text/html'],
  response: { 200: { type: 'string', description: 'HTML' } },
}
const avatarDocs = {
  summary: 'The default profile picture',
  produces: ['image/png'],
  response: { 200: { type: 'string', format: 'binary', description: 'PNG' } },
}

/** `GET /` (API.md §1) and the default profile picture the user JSON points at (API.md §4). */
export function siteRoutes(deps: { siteName: string }): FastifyPluginAsync {
  const page = homePage(deps.siteName)
  return async (app) => {
    app.get('/', { schema: homeDocs }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
    app.get('/media/profile_pictures/avatar-male.png', { schema: avatarDocs }, async (_request, reply) =>
      reply.type('image/png').header('cache-control', 'public, max-age=86400').send(AVATAR))
  }
}
