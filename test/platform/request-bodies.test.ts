import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'

// API.md §1, bodies: DRF's parsers, the 64 KiB limit, unknown fields, trimming, and JSON answers. Routing: conventions.test.ts.
const KIB_64 = 64 * 1024
const TOO_LARGE = { detail: 'Request body too large.' }

function assertJson(res: Reply): void {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
}

/** A chunked request (no Content-Length), which fetch cannot send from a string. */
function sendChunked(base: string, path: string, contentType: string, chunks: string[]): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }))
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

describe('API conventions: request and response bodies (API.md §1)', () => {
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

  describe('request bodies', () => {
    it('When the body is urlencoded, then its values are read as strings and trimmed', async () => {
      const ok = await api.call('POST', '/api/users/resend_activation/', { body: new URLSearchParams({ email: `  ${user.email}  ` }) })
      assert.equal(ok.status, 204)
      const bad = await api.call('POST', '/api/users/resend_activation/', { body: new URLSearchParams({ email: 'not-an-email' }) })
      assert.equal(bad.status, 400)
      assert.deepEqual(bad.body, { email: ['Enter a valid email address.'] })
      const logged = await api.call('POST', '/api/jwt/create/', { body: new URLSearchParams({ email: user.email, password: ` ${user.password} ` }) })
      assert.equal(logged.status, 200)
      assert.deepEqual(Object.keys(logged.body as object).sort(), ['access', 'refresh'])
    })

    it('When a urlencoded or multipart key repeats, then the last value counts (DRF QueryDict)', async () => {
      const form = new URLSearchParams([['email', 'first@example.com'], ['email', user.email], ['password', user.password]])
      assert.equal((await api.call('POST', '/api/jwt/create/', { body: form })).status, 200)
      const data = new FormData()
      data.append('email', 'first@example.com')
      data.append('email', user.email)
      data.append('password', user.password)
      assert.equal((await api.call('POST', '/api/jwt/create/', { body: data })).status, 200)
    })

    it('When the body is multipart, then its fields are read as strings', async () => {
      const data = new FormData()
      data.set('email', user.email)
      data.set('password', user.password)
      const res = await api.call('POST', '/api/jwt/create/', { body: data })
      assert.equal(res.status, 200)
      const bad = new FormData()
      bad.set('email', user.email)
      const missing = await api.call('POST', '/api/jwt/create/', { body: bad })
      assert.equal(missing.status, 400)
      assert.deepEqual(missing.body, { password: ['This field is required.'] })
    })

    it('When the media type is not JSON or a form, then 415 naming it', async () => {
      for (const type of ['text/plain', 'application/xml']) {
        const res = await api.call('POST', '/api/jwt/create/', { body: 'email=a', headers: { 'content-type': type } })
        assert.equal(res.status, 415, type)
        assertJson(res)
        assert.deepEqual(res.body, { detail: `Unsupported media type "${type}" in request.` })
      }
    })

    it('When the body is not valid JSON, then 400 with a "JSON parse error - " detail', async () => {
      for (const text of ['{"email": ', '{email: 1}', '[1,]', '\u0000']) {
        const res = await api.call('POST', '/api/jwt/create/', { body: text, headers: { 'content-type': 'application/json' } })
        assert.equal(res.status, 400, text)
        assertJson(res)
        const body = res.body as { detail: string }
        assert.deepEqual(Object.keys(body), ['detail'])
        assert.ok(body.detail.startsWith('JSON parse error - '), body.detail)
      }
    })

    it('When the JSON body is not an object, then 400 non_field_errors naming the Python type', async () => {
      const cases: [unknown, string][] = [[[1, 2], 'list'], ['text', 'str'], [42, 'int'], [true, 'bool'], [null, 'NoneType']]
      for (const [value, type] of cases) {
        for (const path of ['/api/jwt/create/', '/api/users/']) {
          const res = await api.post(path, value)
          assert.equal(res.status, 400, `${path} ${JSON.stringify(value)}`)
          assert.deepEqual(res.body, { non_field_errors: [`Invalid data. Expected a dictionary, but got ${type}.`] })
        }
      }
    })

    it('When the body is empty or absent, then it counts as {}', async () => {
      const required = { email: ['This field is required.'] }
      const empty = await api.call('POST', '/api/users/resend_activation/', { body: '', headers: { 'content-type': 'application/json' } })
      assert.equal(empty.status, 400)
      assert.deepEqual(empty.body, required)
      const blank = await api.call('POST', '/api/users/resend_activation/', { body: '  \n', headers: { 'content-type': 'application/json' } })
      assert.deepEqual(blank.body, required)
      const absent = await api.call('POST', '/api/users/resend_activation/')
      assert.equal(absent.status, 400)
      assert.deepEqual(absent.body, required)
      const emptyForm = await api.call('POST', '/api/users/resend_activation/', { body: new URLSearchParams() })
      assert.deepEqual(emptyForm.body, required)
    })

    it('When an anonymous request to a protected view has a body that would be refused, then the 401 comes first', async () => {
      const bodies = [
        { body: 'x', headers: { 'content-type': 'text/plain' } },
        { body: '{"current_password": ', headers: { 'content-type': 'application/json' } },
        { body: '[1]', headers: { 'content-type': 'application/json' } },
        { body: JSON.stringify({ current_password: 'x'.repeat(KIB_64) }), headers: { 'content-type': 'application/json' } },
      ]
      for (const opts of bodies) {
        const res = await api.call('POST', '/api/users/set_password/', opts)
        assert.equal(res.status, 401, opts.body.slice(0, 20))
        assert.deepEqual(res.body, { detail: 'Authentication credentials were not provided.' })
      }
      const authenticated = await api.call('POST', '/api/users/set_password/', { ...bodies[0], bearer: access })
      assert.equal(authenticated.status, 415)
    })

    it('When a multipart form carries a file, then the file is no string; over 50 fields or 1 file, then 413', async () => {
      const withFile = new FormData()
      withFile.set('email', user.email)
      withFile.set('password', new Blob(['secret']), 'password.txt')
      const file = await api.call('POST', '/api/jwt/create/', { body: withFile })
      assert.equal(file.status, 400)
      assert.deepEqual(file.body, { password: ['Not a valid string.'] })
      const many = new FormData()
      for (let i = 0; i < 51; i++) many.set(`field${i}`, 'x')
      const twoFiles = new FormData()
      twoFiles.set('a', new Blob(['1']), 'a.txt')
      twoFiles.set('b', new Blob(['2']), 'b.txt')
      for (const body of [many, twoFiles]) {
        const res = await api.call('POST', '/api/jwt/create/', { body })
        assert.equal(res.status, 413)
        assert.deepEqual(res.body, TOO_LARGE)
      }
    })

    it('When a multipart body is broken, then 400 with a "Multipart form parse error - " detail', async () => {
      const broken = [
        { body: '--b\r\nContent-Disposition: form-data; name="email"\r\n\r\nx', headers: { 'content-type': 'multipart/form-data; boundary=b' } },
        { body: 'x', headers: { 'content-type': 'multipart/form-data' } },
      ]
      for (const opts of broken) {
        const res = await api.call('POST', '/api/jwt/create/', opts)
        assert.equal(res.status, 400, opts.headers['content-type'])
        const body = res.body as { detail: string }
        assert.deepEqual(Object.keys(body), ['detail'])
        assert.ok(body.detail.startsWith('Multipart form parse error - '), body.detail)
      }
    })

    it('When a body-less POST needs no field (logout), then it succeeds with 204', async () => {
      const own = await login(api, user.email, user.password)
      const res = await api.call('POST', '/api/logout/', { bearer: own.access })
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
    })

    it('When a body is over 64 KiB, then 413 whatever its media type', async () => {
      const json = await api.call('POST', '/api/jwt/create/', {
        body: JSON.stringify({ email: 'x'.repeat(KIB_64), password: 'p' }), headers: { 'content-type': 'application/json' },
      })
      const form = await api.call('POST', '/api/jwt/create/', { body: new URLSearchParams({ email: 'x'.repeat(KIB_64) }) })
      const data = new FormData()
      data.set('email', 'x'.repeat(KIB_64 + 1))
      const multipart = await api.call('POST', '/api/jwt/create/', { body: data })
      for (const res of [json, form, multipart]) {
        assert.equal(res.status, 413)
        assertJson(res)
        assert.deepEqual(res.body, TOO_LARGE)
      }
    })

    it('When a chunked multipart body (no Content-Length) is over 64 KiB, then 413', async () => {
      const boundary = 'xBOUNDARYx'
      const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
      const split = [field('email', 'a'.repeat(40_000)), field('password', 'b'.repeat(40_000)), `--${boundary}--\r\n`]
      const res = await sendChunked(server.base, '/api/jwt/create/', `multipart/form-data; boundary=${boundary}`, split)
      assert.equal(res.status, 413)
      assert.deepEqual(res.body, TOO_LARGE)
      const one = [field('email', 'a'.repeat(KIB_64 + 10)), `--${boundary}--\r\n`]
      const truncated = await sendChunked(server.base, '/api/jwt/create/', `multipart/form-data; boundary=${boundary}`, one)
      assert.equal(truncated.status, 413)
      assert.deepEqual(truncated.body, TOO_LARGE)
    })

    it('When a JSON body is exactly 64 KiB, then it is parsed', async () => {
      const padding = KIB_64 - JSON.stringify({ email: '', password: 'p' }).length
      const text = JSON.stringify({ email: 'x'.repeat(padding), password: 'p' })
      assert.equal(Buffer.byteLength(text), KIB_64)
      const res = await api.call('POST', '/api/jwt/create/', { body: text, headers: { 'content-type': 'application/json' } })
      assert.equal(res.status, 401)
      assert.deepEqual(res.body, { detail: 'No active account found with the given credentials' })
    })

    it('When a body has unknown or privileged fields, then they are ignored', async () => {
      const body = newUser({ id: 999, is_staff: true, is_superuser: true, is_active: true, user_type: 0, extra: { nested: [1] } })
      const res = await api.post('/api/users/', body)
      assert.equal(res.status, 201)
      assert.deepEqual(res.body, {
        first_name: body.first_name, last_name: body.last_name, username: body.username, email: body.email,
        university: null, department: null,
      })
      const stored = await server.db.selectFrom('users').selectAll().where('email', '=', body.email).executeTakeFirstOrThrow()
      assert.notEqual(stored.id, 999)
      assert.deepEqual([stored.isStaff, stored.isSuperuser, stored.isActive, stored.userType], [0, 0, 0, 5])
    })

    it('When string fields have surrounding whitespace, then they are trimmed, passwords included', async () => {
      const padded = newUser()
      const res = await api.post('/api/users/', {
        ...padded, first_name: `  ${padded.first_name}\t`, username: ` ${padded.username} `, email: `\n${padded.email} `,
        password: `  ${padded.password}  `, re_password: padded.password,
      })
      assert.equal(res.status, 201)
      assert.deepEqual(res.body, {
        first_name: padded.first_name, last_name: padded.last_name, username: padded.username, email: padded.email,
        university: null, department: null,
      })
      const stored = await server.db.selectFrom('users').select(['firstName', 'username', 'email']).where('email', '=', padded.email).executeTakeFirstOrThrow()
      assert.deepEqual(stored, { firstName: padded.first_name, username: padded.username, email: padded.email })
    })
  })

  describe('response bodies', () => {
    it('When the answer is 204, then there is no body and no content type', async () => {
      const res = await api.post('/api/users/resend_activation/', { email: 'nobody@example.com' })
      assert.equal(res.status, 204)
      assert.equal(res.text, '')
      assert.equal(res.headers.get('content-type'), null)
    })

    it('When any of these requests is malformed, then the answer is JSON and never a 500 or a stack trace', async () => {
      const attempts: Promise<Reply>[] = [
        api.call('POST', '/api/users/', { body: '{"a":', headers: { 'content-type': 'application/json' } }),
        api.call('POST', '/api/users/', { body: '{"__proto__": {"x": 1}}', headers: { 'content-type': 'application/json' } }),
        api.call('POST', '/api/users/', { body: '{}', headers: { 'content-type': 'application/json; charset=latin-9' } }),
        api.call('POST', '/api/users/', { body: 'x', headers: { 'content-type': 'not a media type' } }),
        api.call('POST', '/api/users/', { body: 'a=1&a=2&%zz=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        api.call('POST', '/api/users/', { body: '--b\r\nbroken', headers: { 'content-type': 'multipart/form-data; boundary=b' } }),
        api.call('POST', '/api/users/', { body: 'x', headers: { 'content-type': 'multipart/form-data' } }),
        api.get('/api/users/me/', { headers: { authorization: 'Bearer a.b.c' } }),
        api.get('/api/user/?user_id=1e99', { bearer: access }),
        api.get('/api/users/%E0%A4%A/'),
      ]
      for (const res of await Promise.all(attempts)) {
        assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text}`)
        assertJson(res)
        assert.doesNotMatch(res.text, /at .+\.(ts|js):\d+/)
      }
    })
  })
})
