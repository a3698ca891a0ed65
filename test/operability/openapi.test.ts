import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { buildApp } from '../../src/app.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Reply } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { contractRoutes, openApiPath, parsePrintedRoutes, readContract } from '../helpers/route-listing.ts'
import type { RouteRef } from '../helpers/route-listing.ts'

type Media = { schema?: object; example?: unknown }
type Operation = {
  summary?: string
  tags?: string[]
  security?: Record<string, string[]>[]
  requestBody?: { content: Record<string, Media> }
  responses: Record<string, { description: string; content?: Record<string, Media> }>
}
type Document = {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { securitySchemes: Record<string, Record<string, string>> }
}

const BODY_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']

/** The documentation viewer's own files (its page, scripts and a copy of the document) and the CORS catch-all. */
const isViewerOrPreflight = (r: RouteRef) => r.path.startsWith('/api/docs') || (r.method === 'OPTIONS' && r.path === '*')

function operations(doc: Document): (RouteRef & { op: Operation })[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })))
}

describe('GET /api/schema/', () => {
  let server: TestServer
  let doc: Document
  let registered: RouteRef[]
  const ajv = new Ajv2020({ strict: false, validateFormats: false })

  /** Checks an answer of the real service against the schema the document gives for it. */
  function assertDocumented(method: string, path: string, res: Reply): void {
    const media = doc.paths[path]?.[method]?.responses[String(res.status)]?.content?.['application/json']
    assert.ok(media?.schema, `${method.toUpperCase()} ${path} documents no JSON for ${res.status}`)
    assert.ok(ajv.validate(media.schema, res.body), `${method.toUpperCase()} ${path} ${res.status}: ${res.text} ${ajv.errorsText()}`)
  }

  before(async () => {
    server = await startServer()
    const res = await client(server.base).get('/api/schema/')
    assert.equal(res.status, 200)
    doc = res.body as Document
    // Fastify's own list of what it routes, from an app built like the server's (never listening).
    const app = await buildApp(server.config)
    await app.ready()
    registered = parsePrintedRoutes(app.printRoutes({ commonPrefix: false }))
    await app.close()
  })
  after(async () => { await server.close() })

  it('When the document is fetched, then it is JSON that validates against the OpenAPI 3.1 schema', async () => {
    const res = await client(server.base).get('/api/schema/')
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(doc.openapi, '3.1.0')
    const result = await new Validator().validate(doc)
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2))
  })

  it('When the routes Fastify serves are listed, then every one is documented and nothing else is', () => {
    const served = registered.filter((r) => r.method !== 'HEAD' && !isViewerOrPreflight(r))
    assert.ok(served.length > 40, `only ${served.length} routes listed: the listing was not parsed`)
    const key = (r: RouteRef) => `${r.method} ${r.path}`
    const documented = operations(doc).map(key).sort()
    assert.deepEqual(documented, served.map((r) => key({ method: r.method, path: openApiPath(r.path) })).sort())
  })

  it('When the routes of API.md are read, then each is in the document with its method', () => {
    const named = contractRoutes(readContract())
    assert.ok(named.length > 40, `only ${named.length} routes found in API.md`)
    const missing = named.filter((r) => doc.paths[r.path]?.[r.method.toLowerCase()] === undefined).map((r) => `${r.method} ${r.path}`)
    assert.deepEqual(missing, [])
  })

  it('When each operation is read, then it has a summary, a tag, a success answer, and bodies in every accepted media type', () => {
    for (const { method, path, op } of operations(doc)) {
      const name = `${method} ${path}`
      assert.ok(op.summary, `${name}: no summary`)
      assert.equal(op.tags?.length, 1, `${name}: no tag`)
      assert.ok(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)), `${name}: no success answer`)
      if (op.requestBody !== undefined) assert.deepEqual(Object.keys(op.requestBody.content), BODY_MEDIA_TYPES, name)
      if (path.startsWith('/api/')) assert.ok(op.responses['500'], `${name}: no 500`)
    }
  })

  it('When a route needs a user, then it names the bearer and cookie schemes and documents the 401', () => {
    const { bearerAuth } = doc.components.securitySchemes
    assert.deepEqual([bearerAuth?.type, bearerAuth?.scheme, bearerAuth?.bearerFormat], ['http', 'bearer', 'JWT'])
    assert.equal(doc.components.securitySchemes.cookieAuth?.type, 'apiKey')
    assert.equal(doc.components.securitySchemes.cookieAuth?.in, 'cookie')
    assert.equal(doc.components.securitySchemes.cookieAuth?.name, 'access')
    const me = doc.paths['/api/users/me/']?.get
    assert.deepEqual(me?.security, [{ bearerAuth: [] }, { cookieAuth: [] }])
    assert.deepEqual(me?.responses['401']?.content?.['application/json']?.example, { detail: 'Authentication credentials were not provided.' })
    assert.equal(doc.paths['/api/users/']?.post?.security, undefined)
  })

  it('When the examples of the document are checked against their schemas, then each one fits', () => {
    let checked = 0
    for (const { method, path, op } of operations(doc)) {
      const media = [...Object.values(op.requestBody?.content ?? {}), ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {}))]
      for (const { schema, example } of media) {
        if (schema === undefined || example === undefined) continue
        assert.ok(ajv.validate(schema, example), `${method} ${path}: ${JSON.stringify(example)} ${ajv.errorsText()}`)
        checked += 1
      }
    }
    assert.ok(checked > 100, `only ${checked} examples`)
  })

  it('When the service answers a flow, then every answer fits the schema documented for its status', async () => {
    const api = client(server.base)
    const body = newUser()
    assertDocumented('post', '/api/users/', await api.post('/api/users/', body))
    assertDocumented('post', '/api/users/', await api.post('/api/users/', body))
    assertDocumented('post', '/api/users/', await api.call('POST', '/api/users/', { body: '{', headers: { 'content-type': 'application/json' } }))
    assertDocumented('get', '/api/users/me/', await api.get('/api/users/me/'))
    const user = await registerAndActivate(server)
    assertDocumented('post', '/api/jwt/create/', await api.post('/api/jwt/create/', { email: user.email, password: 'wrong' }))
    const { access, refresh, res } = await login(api, user.email, user.password)
    assertDocumented('post', '/api/jwt/create/', res)
    assertDocumented('post', '/api/jwt/refresh/', await api.post('/api/jwt/refresh/', { refresh }))
    assertDocumented('post', '/api/jwt/refresh/', await api.post('/api/jwt/refresh/', { refresh: 'not-a-token' }))
    assertDocumented('post', '/api/jwt/verify/', await api.post('/api/jwt/verify/', { token: access }))
    assertDocumented('get', '/api/users/me/', await api.get('/api/users/me/', { bearer: access }))
    assertDocumented('get', '/api/users/', await api.get('/api/users/', { bearer: access }))
    assertDocumented('get', '/api/sessions/', await api.get('/api/sessions/', { bearer: access }))
    assertDocumented('get', '/api/users/{id}/', await api.get('/api/users/999999/', { bearer: access }))
    assertDocumented('get', '/api/user/', await api.get('/api/user/?user_id=x', { bearer: access }))
    assertDocumented('get', '/api/', await api.get('/api/', { bearer: access }))
    assertDocumented('get', '/readyz', await api.get('/readyz'))
  })

  it('When npm run openapi writes the document, then it is the one the service serves', () => {
    const dir = mkdtempSync(join(tmpdir(), 'unilink-openapi-'))
    try {
      const file = join(dir, 'openapi.json')
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'openapi', '--out', file], {
        encoding: 'utf8', cwd: new URL('../..', import.meta.url),
      })
      assert.equal(run.status, 0, run.stderr)
      assert.match(run.stdout, /^Wrote .*openapi\.json: \d+ operations\.\n$/)
      assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), doc)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
