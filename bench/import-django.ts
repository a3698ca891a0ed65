// Benchmark of the switch-over import: `npx tsx bench/import-django.ts [--users 100000] [--postgres postgres://server/db]`.
// Makes (once, cached in the temp directory) a Django database with that many users using Debian's Django
// (scripts/fixtures/make-django-db.py), then times `npm run import-django` into a fresh SQLite target and, when a
// PostgreSQL server is named (--postgres or TEST_DATABASE_URL), into a fresh PostgreSQL database; then a second,
// idempotent run of each. Fails (exit 1) when a first import takes a minute or more (issue 5's bound).
import { execFile, execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const LIMIT_MS = 60_000
const { values } = parseArgs({ options: { users: { type: 'string', default: '100000' }, postgres: { type: 'string' } } })
const users = Number(values.users)
const postgresServer = values.postgres ?? process.env.TEST_DATABASE_URL
const say = (line: string) => process.stdout.write(`${line}\n`)

function sourceDatabase(): string {
  const file = join(tmpdir(), `unilink-django-${users}-users.sqlite3`)
  if (existsSync(file)) return file
  const started = Date.now()
  execFileSync('/usr/bin/python3', [join(ROOT, 'scripts/fixtures/make-django-db.py'), '--sqlite', `${file}.part`, '--variant', 'basic',
    '--users', String(users)], { stdio: 'inherit' })
  execFileSync('mv', [`${file}.part`, file])
  say(`generated ${file} with Django in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  return file
}

function importOnce(source: string, databaseUrl: string, dataDir: string): Promise<{ ms: number; summary: string }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src/cli/import-django.ts'), '--from', source], {
      cwd: dataDir,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, DATA_DIR: dataDir, SECRET_KEY: 'bench-secret-key-0123456789-abcdefghijklmnopqrstuv' },
      maxBuffer: 64 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stdout}\n${stderr}`))
      const summary = stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith('users:')) ?? '?'
      resolve({ ms: performance.now() - started, summary })
    })
  })
}

async function withPostgresTarget<T>(server: string, run: (url: string) => Promise<T>): Promise<T> {
  const name = `bench_import_${randomBytes(4).toString('hex')}`
  const admin = async (statement: string) => {
    const c = new pg.Client({ connectionString: server })
    await c.connect()
    await c.query(statement).finally(() => c.end())
  }
  await admin(`CREATE DATABASE ${name}`)
  const url = new URL(server)
  url.pathname = `/${name}`
  try {
    return await run(url.toString())
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}

const source = sourceDatabase()
const dataDir = mkdtempSync(join(tmpdir(), 'bench-import-'))
const targets: [string, (run: (url: string) => Promise<void>) => Promise<void>][] = [
  ['SQLite', (run) => run(join(dataDir, 'target.sqlite3'))],
]
if (postgresServer) targets.push(['PostgreSQL', (run) => withPostgresTarget(postgresServer, run)])

let failed = false
for (const [label, withTarget] of targets) {
  await withTarget(async (url) => {
    const first = await importOnce(source, url, dataDir)
    const second = await importOnce(source, url, dataDir)
    failed ||= first.ms >= LIMIT_MS
    say(`${label.padEnd(10)} first run ${(first.ms / 1000).toFixed(1)} s (${first.summary})`)
    say(`${label.padEnd(10)} second run ${(second.ms / 1000).toFixed(1)} s (${second.summary})`)
  })
}
rmSync(dataDir, { recursive: true, force: true })
say(failed ? `FAILED: an import of ${users} users took a minute or more` : `ok: every import `
  + `of ${users} users took under a minute (wall time, including start-up)`)
process.exitCode = failed ? 1 : 0
