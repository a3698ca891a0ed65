import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { openDatabase } from '../platform/db.ts'
import { isValidEmail } from '../platform/email-address.ts'
import { migrateToLatest } from '../platform/migrate.ts'
import { createPasswordHasher } from '../platform/password-hashing.ts'
import { loadCommonPasswords, validatePassword } from '../accounts/password-validators.ts'
import { createSiteAdmin, SiteAdminConflict } from '../accounts/site-admins.ts'
import { askHidden } from './prompt.ts'
import { CommandError, runCommand } from './run-command.ts'

const USAGE = 'Usage: npm run createsuperuser -- --email E --username U [--first-name F --last-name L] [--noinput]'

async function readPassword(noinput: boolean, attributes: Parameters<typeof validatePassword>[1]): Promise<string> {
  if (noinput) {
    const password = process.env.SUPERUSER_PASSWORD
    if (!password) throw new CommandError('--noinput needs the password in SUPERUSER_PASSWORD.')
    return password
  }
  const password = await askHidden('Password: ')
  if (password !== await askHidden('Password (again): ')) throw new CommandError("Error: Your passwords didn't match.")
  const common = loadCommonPasswords(new URL('../../assets/common-passwords.txt', import.meta.url).pathname)
  const problems = validatePassword(password, attributes, common)
  if (problems.length > 0) throw new CommandError(`Password refused: ${problems.join(' ')}`)
  return password
}

/** `npm run createsuperuser`: an active site admin (user_type 0), as Django's command of the same name. */
await runCommand(async (out) => {
  const { values } = parseArgs({
    options: {
      email: { type: 'string' }, username: { type: 'string' },
      'first-name': { type: 'string', default: '' }, 'last-name': { type: 'string', default: '' },
      noinput: { type: 'boolean', default: false },
    },
  })
  if (!values.email || !values.username) throw new CommandError(USAGE)
  if (!isValidEmail(values.email)) throw new CommandError(`Enter a valid email address (got "${values.email}").`)
  if (values.username.length > 20) throw new CommandError('The username may have at most 20 characters.')
  const config = loadConfig(readEnvironment())
  const attributes = { email: values.email, username: values.username, firstName: values['first-name'], lastName: values['last-name'] }
  const password = await readPassword(values.noinput, attributes)
  const db = openDatabase(config.database)
  try {
    await migrateToLatest(db)
    const user = await createSiteAdmin(db, createPasswordHasher(config.passwordHashing), { ...attributes, password })
    out(`Superuser created: ${user.email} (id ${user.id}).`)
  } catch (error) {
    if (error instanceof SiteAdminConflict) throw new CommandError(error.message)
    throw error
  } finally {
    await db.destroy()
  }
})
