import { readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { Migrator } from 'kysely'
import type { Migration, MigrationProvider, MigrationResult } from 'kysely'
import type { Db } from './db.ts'

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url))

/**
 * Every `migrations/NNNN_*.ts`, by name. The import names the folder in a template literal, which esbuild recognises,
 * so the production bundle (scripts/build.ts) carries the migrations compiled inside it; tsx imports the files.
 */
const migrationFiles: MigrationProvider = {
  async getMigrations() {
    const names = (await readdir(MIGRATIONS_DIR)).filter((file) => /^\d+_[\w-]+\.ts$/.test(file)).map((file) => file.slice(0, -3))
    const migrations: Record<string, Migration> = {}
    for (const name of names.sort()) migrations[name] = await import(`../../migrations/${name}.ts`) as Migration
    return migrations
  },
}

export function createMigrator(db: Db): Migrator {
  return new Migrator({ db, provider: migrationFiles })
}

/** Applies every pending migration; throws with the failing migration's name and cause. */
export async function migrateToLatest(db: Db): Promise<MigrationResult[]> {
  const { error, results = [] } = await createMigrator(db).migrateToLatest()
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName ?? 'unknown'
    throw new Error(`Migration ${failed} failed`, { cause: error })
  }
  return results
}

/** Names of migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await createMigrator(db).getMigrations()
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name)
}
