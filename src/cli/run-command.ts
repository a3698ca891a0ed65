import type { Config } from '../config.ts'
import { openDatabase } from '../platform/db.ts'
import type { Db } from '../platform/db.ts'
import { ConfigError } from '../platform/env-parsers.ts'

/** Prints one line (or several, joined by newlines) on stdout. */
export type Out = (line: string) => void

/** A command-line failure a person can act on: printed as one line, exit code 1. */
export class CommandError extends Error {}

/** Runs a CLI command: its output on stdout, a one-line error on stderr with a non-zero exit. */
export async function runCommand(command: (out: Out) => Promise<void>): Promise<void> {
  try {
    await command((line) => process.stdout.write(`${line}\n`))
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CommandError) {
      process.stderr.write(`${error.message}\n`)
      process.exitCode = error instanceof ConfigError ? 2 : 1
      return
    }
    const cause = error instanceof Error && error.cause ? ` (${describe(error.cause)})` : ''
    process.stderr.write(`Failed: ${error instanceof Error ? error.message : String(error)}${cause}\n`)
    process.exitCode = 1
  }
}

function describe(value: unknown): string {
  return value instanceof Error ? value.message : JSON.stringify(value) ?? 'unknown'
}

/** Opens the configured database for one command and always closes it, so the process can exit. */
export async function withDatabase<T>(config: Config, use: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(config.database)
  try {
    return await use(db)
  } finally {
    await db.destroy()
  }
}
