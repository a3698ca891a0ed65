import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { PRODUCTION_NODE_FLAGS, buildBundle } from '../../scripts/build.ts'
import { childEnv } from '../helpers/cli.ts'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { client } from '../helpers/http.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * The bundle runs under plain node, without the TypeScript loader the rest of the suite uses: what it must find at
 * run time (migrations, assets, templates, packages left external) is only proven by starting it.
 */
describe('The production build (scripts/build.ts, npm run start:prod)', () => {
  let database: TestDatabase
  let server: ChildProcessByStdio<null, Readable, Readable>
  let base: string
  const outDir = join(ROOT, 'dist', `test-${randomBytes(4).toString('hex')}`)

  before(async () => {
    database = await createTestDatabase()
    const bundle = await buildBundle('src/server.ts', join(outDir, 'server.mjs'))
    // Through the launcher of `npm run start:prod`, which runs the bundle with PRODUCTION_NODE_FLAGS.
    server = spawn(process.execPath, [join(ROOT, 'scripts/start-production.mjs'), bundle], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv({
        NODE_ENV: 'production', SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: database.dataDir, DATABASE_URL: database.url,
        HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', RATE_LIMIT: 'off', ARGON2_CONCURRENCY: '3',
      }),
    })
    let stderr = ''
    server.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    // Port 0: the server picks one and names it in its "Server listening at" line.
    base = await new Promise<string>((resolve, reject) => {
      let pending = ''
      server.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk
        const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(pending)
        if (match?.[1]) resolve(match[1])
      })
      server.on('exit', (code) => reject(new Error(`the bundle exited (${code}) before listening: ${stderr}`)))
    })
  })
  after(async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve))
      server.kill('SIGTERM')
      await exited
    }
    rmSync(outDir, { recursive: true, force: true })
    await database.drop()
  })

  it('When the bundle starts on a fresh database, then it applies every migration and is ready', async () => {
    const res = await client(base).get('/readyz')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, {
      status: 'ready', failing: [],
      checks: { database: { ok: true }, migrations: { ok: true }, outbox_sender: { ok: true } },
    })
  })

  it('When the files next to the sources are asked for, then the bundle serves them (home page, avatar, API docs)', async () => {
    const api = client(base)
    const home = await api.get('/')
    assert.equal(home.status, 200)
    assert.match(home.text, /UniLink Accounts/)
    const avatar = await api.get('/media/profile_pictures/avatar-male.png')
    assert.equal(avatar.status, 200)
    assert.equal(avatar.headers.get('content-type'), 'image/png')
    assert.equal((await api.get('/api/schema/')).status, 200)
  })

  it('When a user registers, then the bundle validates, hashes and answers as the sources do', async () => {
    const res = await client(base).post('/api/users/', {
      first_name: 'Bundle', last_name: 'Test', username: 'bundled', email: 'bundled@example.com',
      password: 'Quiet-harbour-lantern-42', re_password: 'Quiet-harbour-lantern-42',
    })
    assert.equal(res.status, 201)
    assert.deepEqual(res.body, {
      first_name: 'Bundle', last_name: 'Test', username: 'bundled', email: 'bundled@example.com', university: null, department: null,
    })
  })

  it('When start:prod runs the bundle, then Node gets the production flags and a threadpool of ARGON2_CONCURRENCY threads', () => {
    // The launcher's only child is the service (Linux: /proc names its command line and environment).
    const children = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8').trim().split(/\s+/)
    assert.equal(children.length, 1)
    const argv = readFileSync(`/proc/${children[0]}/cmdline`, 'utf8').split('\0')
    assert.deepEqual(argv.slice(1, 3), PRODUCTION_NODE_FLAGS)
    const environment = readFileSync(`/proc/${children[0]}/environ`, 'utf8').split('\0')
    assert.ok(environment.includes('UV_THREADPOOL_SIZE=3'), environment.filter((v) => v.startsWith('UV_')).join())
  })

  it('When the launcher gets SIGTERM, then the service shuts down gracefully and the launcher exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)))
    server.kill('SIGTERM')
    assert.equal(await exited, 0)
  })
})
