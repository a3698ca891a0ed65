import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { copyOf, runImport, summaryLine } from './run-import.ts'
import type { Manifest } from './run-import.ts'

// The old deployment on PostgreSQL. Its database is made by Debian's Django (psycopg2) on the local PostgreSQL
// server every machine runs (shared/services.md), whichever database the target of this run is.
const SERVER_URL = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'
const GENERATOR = fileURLToPath(new URL('../../scripts/fixtures/make-django-db.py', import.meta.url))

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: SERVER_URL })
  await c.connect()
  try {
    await c.query(statement)
  } finally {
    await c.end()
  }
}

describe('npm run import-django -- --from postgres://<the Django database>', () => {
  let server: TestServer
  const name = `django_src_${randomBytes(6).toString('hex')}`
  const url = new URL(SERVER_URL)
  url.pathname = `/${name}`
  let manifest: Manifest
  before(async () => {
    await admin(`CREATE DATABASE ${name}`)
    const manifestFile = `${copyOf(fileURLToPath(new URL('../fixtures/django-db/unilink-full.json', import.meta.url)))}.out.json`
    await new Promise<void>((resolve, reject) => {
      execFile('/usr/bin/python3', [GENERATOR, '--postgres', url.toString(), '--variant', 'basic', '--manifest', manifestFile],
        { timeout: 120_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()))
    })
    manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest
    server = await startServer()
  })
  after(async () => {
    try {
      // unset when `before` failed before starting it
      await server?.close()
    } finally {
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('When imported from PostgreSQL, then every row arrives, and its users log in with their Django passwords', async () => {
    const run = await runImport(server, ['--from', url.toString()])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(summaryLine(run.stdout, 'users'), `users: ${manifest.users.length} imported, 0 updated, 0 unchanged, 0 skipped`)
    assert.equal(summaryLine(run.stdout, 'university settings'), 'university settings: 2 imported, 0 updated, 0 unchanged, 0 skipped')
    const api = client(server.base)
    const { access } = await login(api, 'admin@admin.com', 'admin')
    assert.equal(((await api.get('/api/users/me/', { bearer: access })).body as { user_type: number }).user_type, 0)
    for (const key of ['uniadmin', 'scrypt', 'pbkdf2sha1']) {
      const user = manifest.users.find((u) => u.key === key) as Manifest['users'][number]
      await login(api, user.email, user.password as string)
    }
    const admin1 = await server.db.selectFrom('users').select(['dateJoined', 'lastLogin']).where('id', '=', 1).executeTakeFirstOrThrow()
    assert.equal(admin1.dateJoined, Date.UTC(2023, 8, 1, 8, 30, 15, 123), 'timestamptz carried over to the millisecond')
  })

  it('When the PostgreSQL source is imported again, then nothing is added', async () => {
    const run = await runImport(server, ['--from', url.toString()])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(summaryLine(run.stdout, 'users'), `users: 0 imported, 0 updated, ${manifest.users.length} unchanged, 0 skipped`)
    assert.equal(summaryLine(run.stdout, 'universities'), 'universities: 0 imported, 0 updated, 3 unchanged, 0 skipped')
  })
})
