import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { FIXTURES, copyOf, readManifest, runImport, summaryLine } from './run-import.ts'

// test/fixtures/django-db/unilink-bad.sqlite3: the basic Django fixture plus rows Django's own checks would have
// stopped (written with raw SQL by scripts/fixtures/make-django-db.py --variant bad).
const manifest = readManifest('unilink-bad.json')

describe('npm run import-django -- --from <a source it cannot take whole>', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  const userIds = async () => (await server.db.selectFrom('users').select('id').orderBy('id').execute()).map((r) => r.id)

  it('When the file is not a Django database, then nothing is written and the exit status is 2', async () => {
    const plain = copyOf(`${FIXTURES}/unilink-full.sqlite3`)
    const sqlite = new SQLite(plain)
    sqlite.exec('DROP TABLE django_migrations')
    sqlite.close()
    const run = await runImport(server, ['--from', plain])
    assert.equal(run.code, 2)
    assert.equal(run.stderr, `Nothing imported: ${plain} is not a Django database (it has no django_migrations table).\n`)
    assert.deepEqual(await userIds(), [])
  })

  it('When the file is not a database at all, or missing, then nothing is written and the exit status is 2', async () => {
    const text = copyOf(`${FIXTURES}/unilink-full.json`)
    writeFileSync(text, 'id,email\n1,a@b.c\n'.repeat(200))
    const notDb = await runImport(server, ['--from', text])
    assert.deepEqual([notDb.code, notDb.stderr], [2, `Nothing imported: ${text} is not a SQLite database.\n`])
    const missing = await runImport(server, ['--from', `${text}.missing`])
    assert.deepEqual([missing.code, missing.stderr], [2, `Nothing imported: ${text}.missing: no such file.\n`])
    assert.deepEqual(await userIds(), [])
  })

  it('When the Django schema lacks columns the import needs, then it names them all and writes nothing', async () => {
    const odd = copyOf(`${FIXTURES}/unilink-full.sqlite3`)
    const sqlite = new SQLite(odd)
    sqlite.pragma('foreign_keys = OFF')
    sqlite.exec('ALTER TABLE users_useraccount DROP COLUMN user_type; ALTER TABLE users_useraccount DROP COLUMN is_staff; DROP TABLE department_department')
    sqlite.close()
    const run = await runImport(server, ['--from', odd])
    assert.equal(run.code, 2)
    assert.equal(run.stderr, `Nothing imported: ${odd} does not have the schema of the UniLink Django backend: `
      + 'table users_useraccount lacks columns is_staff, user_type; table department_department is missing.\n')
    assert.deepEqual(await userIds(), [])
  })

  it('When rows are invalid, duplicated in case or dangling, then each is reported and skipped whole, the rest imported, exit 1', async () => {
    const run = await runImport(server, ['--from', copyOf(`${FIXTURES}/unilink-bad.sqlite3`)])
    assert.equal(run.code, 1, run.stderr)
    const bad = manifest.bad ?? []
    const skippedLines = run.stdout.split('\n').filter((l) => l.includes('skipped users id') || l.includes('skipped departments id'))
    assert.equal(skippedLines.length, bad.length)
    for (const row of bad) {
      const line = skippedLines.find((l) => l.trim().startsWith(`skipped ${row.table} id ${row.id}:`))
      assert.ok(line, `a line for ${row.table} ${row.id} (${row.reason})`)
    }
    assert.match(run.stdout, /skipped users id \d+: email "not-an-email" is not a valid email address/)
    assert.match(run.stdout, /skipped users id \d+: email dup@example.com is also used by user \d+ \(differing only in case\)/)
    assert.match(run.stdout, /skipped users id \d+: university_id 999 names no university being imported/)
    assert.match(run.stdout, /skipped departments id \d+: university_id 999 names no university being imported/)
    assert.match(run.stdout, new RegExp(`warning: university ${manifest.orphanUniversity}: its admin, user 999, is not being imported`))
    assert.equal(
      summaryLine(run.stdout, 'users'),
      `users: ${manifest.users.length} imported, 0 updated, 0 unchanged, ${bad.filter((b) => b.table === 'users').length} skipped`,
    )
    assert.deepEqual(await userIds(), manifest.users.map((u) => u.id).sort((a, b) => a - b), 'only the good users, whole')
    const departments = await server.db.selectFrom('departments').select('id').orderBy('id').execute()
    assert.deepEqual(departments.map((d) => d.id), manifest.departments.map((d) => d.id))
    const orphan = await server.db.selectFrom('universities').select(['id', 'adminId']).where('id', '=', manifest.orphanUniversity as number).execute()
    assert.deepEqual(orphan, [{ id: manifest.orphanUniversity, adminId: null }])
  })
})
