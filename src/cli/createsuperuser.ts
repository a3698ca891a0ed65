import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { isValidEmail } from '../platform/http/email-address.ts'
import { migrateToLatest } from '../platform/migrate.ts'
import { createPasswordHasher } from '../platform/password-hashing.ts'
import { loadCommonPasswords, validatePassword } from '../accounts/password-validators.ts'
import { createSiteAdmin, SiteAdminConflict } from '../accounts/site-admins.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { askHidden } from './prompt.ts'
import { CommandError, withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const CREATESUPERUSER_USAGE = `Usage: npm run cli -- createsuperuser --email E --username U [--first-name F --last-name L] [--noinput]
       (or: npm run createsuperuser -- ...)

Creates an active site admin (user_type 0), as Django's command of the same name. Asks for the password twice (again
when the two differ or the password is refused), or reads it from SUPERUSER_PASSWORD with --noinput; either way the
password validators of the API apply. Refuses an email or username that is taken.`

const COMMON_PASSWORDS = new URL('../../assets/common-passwords.txt', import.meta.url).pathname

type Attributes = Parameters<typeof validatePassword>[1]

/** The server's validators and messages (API.md §5), one message a line, as Django's command prints them. */
function passwordProblems(password: string, attributes: Attributes): string | null {
  const problems = validatePassword(password, attributes, loadCommonPasswords(COMMON_PASSWORDS))
  return problems.length > 0 ? problems.join('\n') : null
}

/**
 * Django's prompt loop: a mismatch, a blank password or a refused one is said on stderr and asked again. Django then
 * offers to bypass the validators; we do not, so --noinput and the prompt accept the same passwords.
 */
async function askPassword(attributes: Attributes): Promise<string> {
  for (;;) {
    const password = await askHidden('Password: ')
    const problem = password !== await askHidden('Password (again): ')
      ? "Error: Your passwords didn't match."
      : password.trim() === '' ? "Error: Blank passwords aren't allowed." : passwordProblems(password, attributes)
    if (problem === null) return password
    process.stderr.write(`${problem}\n`)
  }
}

async function readPassword(noinput: boolean, attributes: Attributes): Promise<string> {
  if (!noinput) return askPassword(attributes)
  const password = process.env.SUPERUSER_PASSWORD
  if (!password) throw new CommandError('--noinput needs the password in SUPERUSER_PASSWORD.')
  const problem = passwordProblems(password, attributes)
  if (problem !== null) throw new CommandError(problem)
  return password
}

/** `createsuperuser`: an active site admin (user_type 0), as Django's command of the same name. */
export async function createsuperuser(args: string[], out: Out): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' }, username: { type: 'string' },
      'first-name': { type: 'string', default: '' }, 'last-name': { type: 'string', default: '' },
      noinput: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  })
  if (values.help) return out(CREATESUPERUSER_USAGE)
  if (!values.email || !values.username) throw new CommandError(CREATESUPERUSER_USAGE)
  if (!isValidEmail(values.email)) throw new CommandError(`Enter a valid email address (got "${values.email}").`)
  if (values.username.length > 20) throw new CommandError('The username may have at most 20 characters.')
  const config = loadConfig(readEnvironment())
  const attributes = { email: values.email, username: values.username, firstName: values['first-name'], lastName: values['last-name'] }
  const password = await readPassword(values.noinput, attributes)
  await withDatabase(config, async (db) => {
    try {
      await migrateToLatest(db)
      const user = await createSiteAdmin(db, createPasswordHasher(config.passwordHashing), { ...attributes, password }, auditRecorderFor(db, config))
      out(`Superuser created: ${user.email} (id ${user.id}).`)
    } catch (error) {
      if (error instanceof SiteAdminConflict) throw new CommandError(error.message)
      throw error
    }
  })
}
