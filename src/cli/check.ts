import { mailerFor } from '../app.ts'
import { loadConfig, readEnvironment } from '../config.ts'
import type { Config } from '../config.ts'
import { loadMailTemplates } from '../mail/templates.ts'
import { pingRedis } from '../platform/connectivity.ts'
import { ConfigError } from '../platform/env-parsers.ts'
import { pendingMigrations } from '../platform/migrate.ts'
import { withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const CHECK_USAGE = `Usage: npm run cli -- check

Checks what the service needs before it starts: the configuration (environment and .env.local), the mail
templates, the database (reachable, every migration applied), mail delivery (the SMTP server answers and takes the
login; nodemailer's verify) and Redis when REDIS_URL is set. Exit status: 0 all passed, 1 a check failed, 2 the
configuration is invalid.`

type Outcome = { ok: true; detail: string } | { ok: false; detail: string } | { skipped: string }

/** The most telling words of a failure (pg reports a refused connection as an AggregateError without a message). */
function reason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reason(error.errors[0])
  if (error instanceof Error) return error.message || (error as { code?: string }).code || error.name
  return String(error)
}

async function attempt(check: () => Promise<string>): Promise<Outcome> {
  try {
    return { ok: true, detail: await check() }
  } catch (error) {
    return { ok: false, detail: reason(error) }
  }
}

/** Where the database is, without its password. */
function describeDatabase(config: Config): string {
  if (config.database.kind === 'sqlite') return `SQLite ${config.database.file}`
  const url = new URL(config.database.url)
  if (url.password !== '') url.password = '***'
  return `PostgreSQL ${url.toString()}`
}

async function checkDatabase(config: Config): Promise<string> {
  return withDatabase(config, async (db) => {
    const pending = await pendingMigrations(db)
    if (pending.length > 0) throw new Error(`${describeDatabase(config)}: ${pending.length} `
      + `migrations pending (${pending.join(', ')}); run npm run cli -- migrate`)
    return `${describeDatabase(config)}: reachable, every migration applied`
  })
}

async function checkMail(config: Config): Promise<string> {
  const mailer = mailerFor(config, () => {})
  try {
    return await mailer.verify()
  } finally {
    mailer.close()
  }
}

/** `check`: configuration and connectivity, one line per check; non-zero exit when one fails. */
export async function check(args: string[], out: Out): Promise<void> {
  if (args.includes('--help')) return out(CHECK_USAGE)
  const line = (name: string, status: string, detail: string) => out(`${name.padEnd(16)}${status.padEnd(9)}${detail}`)
  let config: Config
  try {
    config = loadConfig(readEnvironment())
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    line('configuration', 'FAILED', error.message)
    process.exitCode = 2
    return
  }
  line('configuration', 'ok', `${config.production ? 'production' : 'development'}; serves ${config.protocol}://${config.domain} links as ${config.siteName}`)
  for (const warning of config.warnings) line('', 'warning', warning)

  const outcomes: [string, Outcome][] = [
    ['mail templates', await attempt(async () => {
      loadMailTemplates(config.email.templatesDir)
      return config.email.templatesDir === undefined ? 'ours (templates/mail/)' : `ours, overridden by ${config.email.templatesDir}`
    })],
    ['database', await attempt(() => checkDatabase(config))],
    ['mail delivery', await attempt(() => checkMail(config))],
    ['redis', config.redisUrl === undefined
      ? { skipped: 'REDIS_URL is not set: rate-limit counters are kept in the database' }
      : await attempt(() => pingRedis(config.redisUrl ?? ''))],
  ]
  for (const [name, outcome] of outcomes) {
    if ('skipped' in outcome) line(name, 'skipped', outcome.skipped)
    else line(name, outcome.ok ? 'ok' : 'FAILED', outcome.detail)
  }
  const failed = outcomes.filter(([, o]) => 'ok' in o && !o.ok).length
  out(failed === 0 ? 'All checks passed.' : `${failed} check${failed === 1 ? '' : 's'} failed.`)
  if (failed > 0) process.exitCode = 1
}
