import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * Each test file gets its own database: a temp SQLite file, or, when TEST_DATABASE_URL names a PostgreSQL server,
 * a fresh `accounts_test_<random>` database on it, dropped afterwards.
 */
export type TestDatabase = { url: string; dataDir: string; drop(): Promise<void> }

export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'unilink-test-'))
  const base = process.env.TEST_DATABASE_URL
  if (base === undefined || base === '') {
    return { url: join(dataDir, 'test.sqlite3'), dataDir, drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })) }
  }
  const name = `accounts_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: base })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(base)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    dataDir,
    async drop() {
      const client = new pg.Client({ connectionString: base })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await client.end()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
