import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { featureCycle, featureOf, folderOf, importsOfSrc } from '../helpers/import-graph.ts'

// API.md §1, routing: trailing slashes, unknown paths, the site pages and wrong methods. Bodies: request-bodies.test.ts.
const NOT_FOUND = { detail: 'Not found.' }
const ANONYMOUS = { detail: 'Authentication credentials were not provided.' }

function assertJson(res: Reply): void {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
}

function assertRedirect(res: Reply, status: number, location: string): void {
  assert.equal(res.status, status)
  assert.equal(res.headers.get('location'), location)
  assert.equal(res.text, '')
}

async function countUsers(server: TestServer): Promise<number> {
  const row = await server.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
  return Number(row.n)
}

describe('API conventions: routing (API.md §1)', () => {
  let server: TestServer
  let api: Client
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  let access: string

  before(async () => {
    server = await startServer()
    api = client(server.base)
    user = await registerAndActivate(server)
    access = (await login(api, user.email, user.password)).access
  })
  after(async () => { await server.close() })

  describe('trailing slash', () => {
    it('When a GET has no trailing slash, then 301 to the slashed path with the query string kept and an empty body', async () => {
      assertRedirect(await api.get('/api/users/me?x=1&y=%20two'), 301, '/api/users/me/?x=1&y=%20two')
    })

    it('When a HEAD has no trailing slash, then 301 to the slashed path', async () => {
      assertRedirect(await api.call('HEAD', '/api/users/me?x=1'), 301, '/api/users/me/?x=1')
    })

    it('When the path is the root of a route group (/api, /api/users), then it redirects too', async () => {
      assertRedirect(await api.get('/api'), 301, '/api/')
      assertRedirect(await api.get('/api/users'), 301, '/api/users/')
      assertRedirect(await api.get('/api/users/5'), 301, '/api/users/5/')
    })

    it('When another method has no trailing slash, then 308 and nothing runs, not even the body parser', async () => {
      const before = await countUsers(server)
      assertRedirect(await api.post('/api/users', newUser()), 308, '/api/users/')
      assertRedirect(await api.call('POST', '/api/jwt/create', { body: '{not json', headers: { 'content-type': 'application/json' } }), 308, '/api/jwt/create/')
      assertRedirect(await api.call('POST', '/api/jwt/create', { body: 'x', headers: { 'content-type': 'text/plain' } }), 308, '/api/jwt/create/')
      for (const method of ['PUT', 'PATCH', 'DELETE']) {
        assertRedirect(await api.call(method, '/api/users/me?keep=1', { bearer: access }), 308, '/api/users/me/?keep=1')
      }
      assert.equal(await countUsers(server), before)
    })

    it('When an unknown path has no trailing slash, then 404, not a redirect', async () => {
      const res = await api.get('/api/nope')
      assert.equal(res.status, 404)
      assert.deepEqual(res.body, NOT_FOUND)
    })
  })

  describe('site pages', () => {
    it('When GET /, then an HTML page names the service and links the API docs', async () => {
      const res = await api.get('/')
      assert.equal(res.status, 200)
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/)
      assert.match(res.text, /UniLink Accounts/)
      assert.match(res.text, /href="\/api\/docs\/"/)
    })

    it('When GET the default profile picture, then a PNG image (no redirect for a file path)', async () => {
      const res = await fetch(`${server.base}/media/profile_pictures/avatar-male.png`, { redirect: 'manual' })
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), 'image/png')
      const bytes = Buffer.from(await res.arrayBuffer())
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    })

    it('When the path is unknown, then 404 {"detail": "Not found."} as JSON', async () => {
      for (const path of ['/api/nope/', '/nope/', '/api/users/me/extra/']) {
        const res = await api.get(path)
        assert.equal(res.status, 404, path)
        assertJson(res)
        assert.deepEqual(res.body, NOT_FOUND)
      }
    })

    it('When the path does not decode or a path segment is over-long, then the same JSON 404 (not Fastify\'s own body)', async () => {
      for (const path of ['/api/users/%E0%A4%A/', `/api/users/${'9'.repeat(150)}/`]) {
        const res = await api.get(path, { bearer: access })
        assert.equal(res.status, 404, path)
        assertJson(res)
        assert.deepEqual(res.body, NOT_FOUND)
      }
    })
  })

  describe('wrong method', () => {
    it('When GET a POST-only view, then 405 with Allow listing POST and OPTIONS', async () => {
      const res = await api.get('/api/jwt/create/')
      assert.equal(res.status, 405)
      assertJson(res)
      assert.deepEqual(res.body, { detail: 'Method "GET" not allowed.' })
      assert.equal(res.headers.get('allow'), 'OPTIONS, POST')
    })

    it('When POST a GET-only path, then 405 with Allow listing GET, HEAD and OPTIONS', async () => {
      for (const path of ['/', '/media/profile_pictures/avatar-male.png']) {
        const res = await api.post(path, {})
        assert.equal(res.status, 405, path)
        assert.deepEqual(res.body, { detail: 'Method "POST" not allowed.' })
        assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS')
      }
    })

    it('When an anonymous request uses a wrong method on a protected view, then the 401 comes first', async () => {
      for (const [method, path] of [['PUT', '/api/logout/'], ['POST', '/api/users/me/'], ['PUT', '/api/users/']]) {
        const res = await api.call(method as string, path as string, { json: {} })
        assert.equal(res.status, 401, `${method} ${path}`)
        assert.deepEqual(res.body, ANONYMOUS)
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"')
      }
    })

    it('When an authenticated request uses a wrong method, then 405 with the Allow of that path', async () => {
      const cases = [
        ['PUT', '/api/logout/', 'OPTIONS, POST'],
        ['POST', '/api/users/me/', 'DELETE, GET, HEAD, OPTIONS, PATCH, PUT'],
        ['PUT', '/api/users/', 'GET, HEAD, OPTIONS, POST'],
        ['POST', '/api/users/7/', 'DELETE, GET, HEAD, OPTIONS, PATCH, PUT'],
      ]
      for (const [method = '', path = '', allow] of cases) {
        const res = await api.call(method, path, { json: {}, bearer: access })
        assert.equal(res.status, 405, `${method} ${path}`)
        assert.deepEqual(res.body, { detail: `Method "${method}" not allowed.` })
        assert.equal(res.headers.get('allow'), allow)
      }
    })

    it('When a plain OPTIONS (not a CORS preflight) asks about a path, then 200 JSON with its Allow', async () => {
      const res = await api.call('OPTIONS', '/api/jwt/create/')
      assert.equal(res.status, 200)
      assertJson(res)
      assert.equal(res.headers.get('allow'), 'OPTIONS, POST')
    })
  })

})

// STYLE.md rule 1: features form a graph without circles (type-only imports aside), a feature never imports another
// feature's store.ts (cli/, app.ts and server.ts build stores: they are the composition roots), platform/ no feature.
describe('Source layout (STYLE.md rule 1)', () => {
  const imports = importsOfSrc()

  it('When src/ is parsed, then its imports are found (the checks below read something)', () => {
    assert.ok(imports.some((i) => i.from === 'app.ts' && i.to === 'accounts/routes.ts'))
    assert.ok(imports.some((i) => i.typeOnly) && imports.some((i) => !i.typeOnly))
  })

  it('When platform/ imports something of src/, then it is platform/ or config.ts, never a feature or a composition root', () => {
    const wrong = imports.filter((i) => folderOf(i.from) === 'platform' && folderOf(i.to) !== 'platform' && i.to !== 'config.ts')
    assert.deepEqual(wrong, [])
  })

  it('When a feature imports another feature, then never its store.ts', () => {
    const wrong = imports.filter((i) => {
      const feature = featureOf(i.from)
      return feature !== null && i.to.endsWith('/store.ts') && featureOf(i.to) !== null && featureOf(i.to) !== feature
    })
    assert.deepEqual(wrong, [])
  })

  it('When the features\' value imports are followed, then they never come back where they started', () => {
    assert.equal(featureCycle(imports), null)
  })
})
