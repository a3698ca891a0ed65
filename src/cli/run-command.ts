import { ConfigError } from '../platform/env-parsers.ts'

/** A command-line failure a person can act on: printed as one line, exit code 1. */
export class CommandError extends Error {}

/** Runs a CLI command: its output on stdout, a one-line error on stderr with a non-zero exit. */
export async function runCommand(command: (out: (line: string) => void) => Promise<void>): Promise<void> {
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
