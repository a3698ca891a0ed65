/** A bad environment value; the message is one line that names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}.`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === undefined || value === '' ? undefined : value
}

export function optionalString(env: Env, name: string): string | undefined {
  return raw(env, name)
}

export function string(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/** Accepts the spellings Django deployments use (`True`, `False`, `1`, `0`, ...). */
export function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name)?.toLowerCase()
  if (value === undefined) return fallback
  if (TRUE.has(value)) return true
  if (FALSE.has(value)) return false
  throw new ConfigError(name, `must be true or false, got "${value}"`)
}

export function int(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const value = raw(env, name)
  if (value === undefined) return fallback
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`)
  const n = Number(value)
  if (n < range.min || n > range.max) throw new ConfigError(name, `must be between ${range.min} and ${range.max}, got ${n}`)
  return n
}

/** A positive number of seconds. */
export function seconds(env: Env, name: string, fallback: number): number {
  return int(env, name, fallback, { min: 1, max: 10 * 365 * 86400 })
}

export function oneOf<T extends string>(
  env: Env, name: string, choices: readonly T[], fallback: T, opts: { ignoreCase?: boolean } = {},
): T {
  const value = raw(env, name)
  if (value === undefined) return fallback
  const found = choices.find((c) => (opts.ignoreCase ? c.toLowerCase() === value.toLowerCase() : c === value))
  if (found === undefined) throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${value}"`)
  return found
}

export function csv(env: Env, name: string, fallback: readonly string[]): string[] {
  const value = raw(env, name)
  if (value === undefined) return [...fallback]
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '')
}
