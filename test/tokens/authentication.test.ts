import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose'
import type { JWTPayload } from 'jose'
import { TEST_SECRET_KEY, startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client, Reply } from '../helpers/http.ts'
import { login, newUser, registerAndActivate } from '../helpers/flows.ts'
import { assertExpiresMatchesMaxAge } from '../helpers/auth-cookies.ts'

const ME = '/api/users/me/'
const ANONYMOUS = { detail: 'Authentication credentials were not provided.' }

function assertAnonymous(res: Reply, label = ''): void {
  assert.equal(res.status, 401, label)
  assert.deepEqual(res.body, ANONYMOUS, label)
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="api"', label)
}

function assertAuthenticatedAs(res: Reply, email: string, label = ''): void {
  assert.equal(res.status, 200, label)
  assert.equal((res.body as { email: string }).email, email, label)
}

const nowSeconds = () => Math.floor(Date.now() / 1000)

function sign(claims: JWTPayload, opts: { key?: string; alg?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(opts.key ?? TEST_SECRET_KEY))
}

/** An access token as the Django deployment minted them (SimpleJWT's claims, no session id). */
function djangoAccessToken(userId: number, overrides: JWTPayload = {}): Promise<string> {
  const iat = nowSeconds()
  return sign({ token_type: 'access', exp: iat + 300, iat, jti: randomBytes(16).toString('hex'), user_id: userId, ...overrides })
}

async function idOf(server: TestServer, email: string): Promise<number> {
  const row = await server.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()
  return row.id
}

/** A Set-Cookie line as name, value and attributes (lower-cased names; flags map to true). */
function parseSetCookie(line: string) {
  const [pair = '', ...parts] = line.split(';').map((p) => p.trim())
  const attributes: Record<string, string | true> = {}
  for (const part of parts) {
    const at = part.indexOf('=')
    if (at === -1) attributes[part.toLowerCase()] = true
    else attributes[part.slice(0, at).toLowerCase()] = part.slice(at + 1)
  }
  return { name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), attributes }
}

function cookiesOf(res: Reply) {
  const cookies = res.setCookies.map(parseSetCookie)
  assert.deepEqual(cookies.map((c) => c.name).sort(), ['access', 'refresh'])
  return cookies
}

type Expected = { maxAge: string; sameSite: string; secure: boolean }

function assertSetCookies(res: Reply, expected: Expected): void {
  const { access, refresh } = res.body as { access: string; refresh: string }
  for (const cookie of cookiesOf(res)) {
    assert.equal(cookie.value, cookie.name === 'access' ? access : refresh)
    const { expires, ...rest } = cookie.attributes
    assertExpiresMatchesMaxAge(res, typeof expires === 'string' ? expires : undefined, Number(expected.maxAge))
    assert.deepEqual(rest, {
      httponly: true, path: '/', 'max-age': expected.maxAge, samesite: expected.sameSite, ...(expected.secure ? { secure: true } : {}),
    })
  }
}

function assertDeletedCookies(res: Reply, expected: Omit<Expected, 'maxAge'>): void {
  for (const cookie of cookiesOf(res)) {
    assert.equal(cookie.value, '', cookie.name)
    const { expires, ...rest } = cookie.attributes
    assert.ok(typeof expires === 'string' && Date.parse(expires) < Date.now(), `${cookie.name} Expires ${String(expires)}`)
    assert.deepEqual(rest, {
      httponly: true, path: '/', 'max-age': '0', samesite: expected.sameSite, ...(expected.secure ? { secure: true } : {}),
    })
  }
}

describe('Authentication (API.md §3)', () => {
  let server: TestServer
  let api: Client
  let user: Awaited<ReturnType<typeof registerAndActivate>>
  let tokens: { access: string; refresh: string }

  before(async () => {
    server = await startServer()
    api = client(server.base)
    user = await registerAndActivate(server)
    tokens = await login(api, user.email, user.password)
  })
  after(async () => { await server.close() })

  describe('where the token comes from', () => {
    it('When the access token is in the Authorization header, then the request is authenticated', async () => {
      assertAuthenticatedAs(await api.get(ME, { bearer: tokens.access }), user.email)
      assertAuthenticatedAs(await api.get(ME, { headers: { authorization: `Bearer   ${tokens.access}` } }), user.email)
    })

    it('When the access token is only in the `access` cookie, then the request is authenticated', async () => {
      assertAuthenticatedAs(await api.get(ME, { cookies: { access: tokens.access } }), user.email)
    })

    it('When no token is sent, then 401 with WWW-Authenticate', async () => {
      assertAnonymous(await api.get(ME))
      assertAnonymous(await api.get(ME, { cookies: { access: '' } }))
    })

    it('When a header is present, then it decides alone, even if invalid and a valid cookie is sent', async () => {
      const headers = ['Bearer garbage', `Token ${tokens.access}`, `bearer ${tokens.access}`, `Bearer ${tokens.access} extra`, 'Bearer', '']
      for (const authorization of headers) {
        assertAnonymous(await api.get(ME, { headers: { authorization }, cookies: { access: tokens.access } }), authorization)
      }
    })

    it('When a valid header is sent with a garbage cookie, then the header wins', async () => {
      assertAuthenticatedAs(await api.get(ME, { bearer: tokens.access, cookies: { access: 'garbage' } }), user.email)
    })
  })

  describe('tokens that make the request anonymous', () => {
    it('When the token is garbage, then 401', async () => {
      for (const token of ['garbage', 'a.b.c', `${tokens.access}x`, tokens.access.split('.').slice(0, 2).join('.')]) {
        assertAnonymous(await api.get(ME, { bearer: token }), token)
        assertAnonymous(await api.get(ME, { cookies: { access: token } }), token)
      }
    })

    it('When the token has expired, then 401 (the same claims unexpired are accepted)', async () => {
      const claims = decodeJwt(tokens.access)
      assertAuthenticatedAs(await api.get(ME, { bearer: await sign({ ...claims, exp: nowSeconds() + 60 }) }), user.email, 'control')
      const expired = await sign({ ...claims, exp: nowSeconds() - 1 })
      assertAnonymous(await api.get(ME, { bearer: expired }))
      assertAnonymous(await api.get(ME, { cookies: { access: expired } }))
    })

    it('When a refresh token is used as an access token, then 401', async () => {
      assertAnonymous(await api.get(ME, { bearer: tokens.refresh }))
      assertAnonymous(await api.get(ME, { cookies: { access: tokens.refresh } }))
    })

    it('When the token is signed with another secret, another algorithm or none, then 401', async () => {
      const claims = decodeJwt(tokens.access)
      const forged = [
        await sign(claims, { key: 'another-secret-key-0123456789-abcdefghijklmnop' }),
        await sign(claims, { alg: 'HS512' }),
        new UnsecuredJWT(claims).encode(),
      ]
      for (const token of forged) assertAnonymous(await api.get(ME, { bearer: token }))
    })

    it('When a Django-minted token names a user that does not exist, then 401 (one of an active user is accepted)', async () => {
      const id = await idOf(server, user.email)
      assertAuthenticatedAs(await api.get(ME, { bearer: await djangoAccessToken(id) }), user.email, 'control')
      assertAnonymous(await api.get(ME, { bearer: await djangoAccessToken(987_654) }))
      assertAnonymous(await api.get(ME, { bearer: await djangoAccessToken(id, { user_id: String(id) }) }))
    })

    it('When the token belongs to a user who never activated, then 401', async () => {
      const body = newUser()
      assert.equal((await api.post('/api/users/', body)).status, 201)
      const id = await idOf(server, String(body.email))
      assertAnonymous(await api.get(ME, { bearer: await djangoAccessToken(id) }))
    })

    it('When the user of a valid token is deactivated, then 401; reactivated, the token works again', async () => {
      const other = await registerAndActivate(server)
      const own = await login(api, other.email, other.password)
      const id = await idOf(server, other.email)
      await server.db.updateTable('users').set({ isActive: 0 }).where('id', '=', id).execute()
      assertAnonymous(await api.get(ME, { bearer: own.access }))
      await server.db.updateTable('users').set({ isActive: 1 }).where('id', '=', id).execute()
      assertAuthenticatedAs(await api.get(ME, { bearer: own.access }), other.email)
    })

    it('When the user of a valid token has been deleted, then 401', async () => {
      const other = await registerAndActivate(server)
      const own = await login(api, other.email, other.password)
      const deleted = await api.delete(ME, { current_password: other.password }, { bearer: own.access })
      assert.equal(deleted.status, 204)
      assertAnonymous(await api.get(ME, { bearer: own.access }))
      assertAnonymous(await api.get(ME, { cookies: { access: own.access } }))
    })
  })

  it('When an authenticated user lacks the role, then 403 with DRF\'s message', async () => {
    const other = await registerAndActivate(server)
    const res = await api.delete(`/api/users/${await idOf(server, other.email)}/`, { current_password: user.password }, { bearer: tokens.access })
    assert.equal(res.status, 403)
    assert.deepEqual(res.body, { detail: 'You do not have permission to perform this action.' })
  })
})

describe('Auth cookies (API.md §3)', () => {
  const servers: Record<'secure' | 'insecure' | 'strict', TestServer | undefined> = { secure: undefined, insecure: undefined, strict: undefined }
  const on = (name: keyof typeof servers): TestServer => {
    const found = servers[name]
    assert.ok(found)
    return found
  }

  before(async () => {
    ;[servers.secure, servers.insecure, servers.strict] = await Promise.all([
      startServer(),
      startServer({ AUTH_COOKIE_SECURE: 'false' }),
      startServer({ AUTH_COOKIE_SAMESITE: 'Strict', AUTH_COOKIE_MAX_AGE: '3600' }),
    ])
  })
  after(async () => {
    await Promise.all(Object.values(servers).flatMap((s) => (s === undefined ? [] : [s.close()])))
  })

  async function loginOn(name: keyof typeof servers): Promise<Reply> {
    const server = on(name)
    const user = await registerAndActivate(server)
    return (await login(client(server.base), user.email, user.password)).res
  }

  async function logoutOn(name: keyof typeof servers): Promise<Reply> {
    const loggedIn = await loginOn(name)
    const { access, refresh } = loggedIn.body as { access: string; refresh: string }
    return client(on(name).base).post('/api/logout/', undefined, { cookies: { access, refresh } })
  }

  it('When logging in with the defaults, then the cookies are HttpOnly; Path=/; Max-Age=604800 and its Expires; SameSite=None; Secure', async () => {
    assertSetCookies(await loginOn('secure'), { maxAge: '604800', sameSite: 'None', secure: true })
  })

  it('When AUTH_COOKIE_SECURE=false with the default SameSite, then SameSite=Lax without Secure, and a start-up warning', async () => {
    assertSetCookies(await loginOn('insecure'), { maxAge: '604800', sameSite: 'Lax', secure: false })
    assert.ok(on('insecure').config.warnings.some((w) => w.includes('SameSite=Lax')), JSON.stringify(on('insecure').config.warnings))
  })

  it('When AUTH_COOKIE_SAMESITE and AUTH_COOKIE_MAX_AGE are set, then the cookies follow them', async () => {
    assertSetCookies(await loginOn('strict'), { maxAge: '3600', sameSite: 'Strict', secure: true })
  })

  it('When logging out, then both cookies are deleted with the Path, SameSite and Secure they were set with', async () => {
    const secure = await logoutOn('secure')
    assert.equal(secure.status, 204)
    assertDeletedCookies(secure, { sameSite: 'None', secure: true })
    const insecure = await logoutOn('insecure')
    assert.equal(insecure.status, 204)
    assertDeletedCookies(insecure, { sameSite: 'Lax', secure: false })
    const strict = await logoutOn('strict')
    assert.equal(strict.status, 204)
    assertDeletedCookies(strict, { sameSite: 'Strict', secure: true })
  })
})
