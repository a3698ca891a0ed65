import { execFile } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestServer } from '../helpers/server.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const FIXTURES = join(ROOT, 'test', 'fixtures', 'django-db')
// A copy of ../shared/data/unilink-sample-db.sqlite3 (the original project's sample), kept with the tests.
export const SAMPLE_DB = join(ROOT, 'test', 'fixtures', 'unilink-sample-db.sqlite3')

export type ImportRun = { code: number; stdout: string; stderr: string }

/**
 * Runs `npm run import-django` (the real CLI, as an operator would) against the test server's database, with the
 * server's SECRET_KEY and argon2 cost, so "current hash" means the same thing to both.
 */
export function runImport(server: TestServer, args: string[], env: Record<string, string> = {}): Promise<ImportRun> {
  return new Promise((resolve) => {
    // cwd is the test's own directory (no .env.local of the work tree), so tsx is named by its resolved URL.
    execFile(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'import-django.ts'), ...args], {
      cwd: server.database.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: server.database.url,
        SECRET_KEY: server.config.secretKey,
        DATA_DIR: server.database.dataDir,
        ARGON2_MEMORY_KIB: String(server.config.passwordHashing.memoryCost),
        ARGON2_TIME_COST: String(server.config.passwordHashing.timeCost),
        ARGON2_PARALLELISM: String(server.config.passwordHashing.parallelism),
        ...env,
      },
      timeout: 120_000,
    }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

/** A writable copy of a source database (the fixtures and the shared sample are read-only inputs). */
export function copyOf(file: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'django-src-')), 'django.sqlite3')
  copyFileSync(file, copy)
  return copy
}

export type ManifestUser = { key: string; id: number; email: string; username: string; password: string | null; hasher: string }
export type Manifest = {
  users: ManifestUser[]
  universities: { id: number; name: string; admin: number; settings: number | null }[]
  departments: { id: number; name: string; university: number }[]
  bad?: { table: string; id: number; reason: string }[]
  orphanUniversity?: number
}

export function readManifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Manifest
}

/** The summary line of one table, e.g. `users: 17 imported, 0 updated, 0 unchanged, 0 skipped`. */
export function summaryLine(stdout: string, label: string): string | undefined {
  return stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith(`${label}:`))
}
