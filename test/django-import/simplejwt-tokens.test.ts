import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import { client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { FIXTURES, copyOf, runImport } from './run-import.ts'

// Minted by SimpleJWT 5.2 (Debian's python3-djangorestframework-simplejwt) with the test suite's SECRET_KEY for
// users of the full Django fixture: scripts/fixtures/simplejwt-tokens.py mint.
type Pair = { userId: number; access: string; refresh: string }
const django = JSON.parse(readFileSync(new URL('../fixtures/simplejwt-tokens.json', import.meta.url), 'utf8')) as Record<
  'admin' | 'student' | 'inactive' | 'unknownUser' | 'expired', Pair> & { secretKey: string; otherKey: { access: string } }

const SCRIPT = fileURLToPath(new URL('../../scripts/fixtures/simplejwt-tokens.py', import.meta.url))
type SimpleJwtVerdict = { name: string; verify: boolean; access: { user_id: number; token_type: string } | null; refresh: { rotated: boolean } | null }

/** What a Django app with SimpleJWT and the same SECRET_KEY makes of these tokens (runs Debian's python3). */
function simpleJwtVerdicts(secretKey: string, tokens: Record<string, string>): Promise<SimpleJwtVerdict[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/python3', [SCRIPT, 'verify'], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`))
      else resolve((JSON.parse(stdout) as SimpleJwtVerdict[]).map(({ name, verify, access, refresh }) => ({ name, verify, access, refresh })))
    })
    child.stdin?.end(JSON.stringify({ secretKey, tokens: Object.entries(tokens).map(([name, token]) => ({ name, token })) }))
  })
}

describe('JWTs across the switch-over (SimpleJWT 5.2, same SECRET_KEY)', () => {
  let server: TestServer
  before(async () => {
    server = await startServer({ SECRET_KEY: django.secretKey })
    const run = await runImport(server, ['--from', copyOf(`${FIXTURES}/unilink-full.sqlite3`)])
    assert.equal(run.code, 0, run.stderr)
  })
  after(async () => { await server.close() })

  it('When a Django-issued access token is presented, then it authenticates its imported user', async () => {
    const api = client(server.base)
    for (const pair of [django.admin, django.student]) {
      const me = await api.get('/api/users/me/', { bearer: pair.access })
      assert.equal(me.status, 200, me.text)
      assert.equal((me.body as { id: number }).id, pair.userId)
    }
  })

  it('When a Django-issued refresh token is refreshed, then a working pair comes back, and the old token works once', async () => {
    const api = client(server.base)
    const res = await api.post('/api/jwt/refresh/', { refresh: django.admin.refresh })
    assert.equal(res.status, 200, res.text)
    const pair = res.body as { access: string; refresh: string }
    assert.deepEqual(Object.keys(pair).sort(), ['access', 'refresh'])
    assert.equal((await api.get('/api/users/me/', { bearer: pair.access })).status, 200)
    assert.equal((await api.post('/api/jwt/refresh/', { refresh: pair.refresh })).status, 200)
    const replay = await api.post('/api/jwt/refresh/', { refresh: django.admin.refresh })
    assert.deepEqual([replay.status, replay.body], [401, { detail: 'Token is blacklisted', code: 'token_not_valid' }])
  })

  it('When a Django token is expired, signed with another key, or names an inactive or unknown user, then it is refused', async () => {
    const api = client(server.base)
    for (const access of [django.expired.access, django.otherKey.access, django.inactive.access, django.unknownUser.access]) {
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 401)
    }
    const expired = await api.post('/api/jwt/refresh/', { refresh: django.expired.refresh })
    assert.deepEqual([expired.status, expired.body], [401, { detail: 'Token is invalid or expired', code: 'token_not_valid' }])
    const inactive = await api.post('/api/jwt/refresh/', { refresh: django.inactive.refresh })
    assert.equal(inactive.status, 401)
  })

  it('When tokens are minted here, then SimpleJWT accepts them for their type, and refuses a token signed with another key', async () => {
    const api = client(server.base)
    const { access, refresh } = await login(api, 'admin@admin.com', 'admin')
    const verdicts = await simpleJwtVerdicts(server.config.secretKey, { access, refresh, otherKey: django.otherKey.access })
    assert.deepEqual(verdicts, [
      { name: 'access', verify: true, access: { user_id: 1, token_type: 'access' }, refresh: null },
      { name: 'refresh', verify: true, access: null, refresh: { rotated: true } },
      { name: 'otherKey', verify: false, access: null, refresh: null },
    ])
  })
})
