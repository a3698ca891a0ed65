import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { createOperatorAccounts, OperatorRefusal } from '../accounts/operator-accounts.ts'
import type { OperatorAccounts } from '../accounts/operator-accounts.ts'
import { loadCommonPasswords } from '../accounts/password-validators.ts'
import { createAccountStore } from '../accounts/store.ts'
import type { User } from '../accounts/user.ts'
import { createPasswordHasher } from '../platform/password-hashing.ts'
import { createTokenStore } from '../tokens/store.ts'
import { withOidcGrantRevocation } from '../oidc/grant-revocation.ts'
import { loadMailTemplates } from '../mail/templates.ts'
import { createOutboxStore } from '../mail/outbox-store.ts'
import { createMfaReset } from '../mfa/reset.ts'
import type { MfaReset } from '../mfa/reset.ts'
import { createMfaStore } from '../mfa/store.ts'
import { askHidden } from './prompt.ts'
import { CommandError, withDatabase } from './run-command.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { commandLineContext } from '../platform/http/request-context.ts'
import type { Out } from './run-command.ts'

export const USERS_USAGE = `Usage: npm run cli -- users <subcommand>

  list [--json]                           every user, by id
  show <id|email> [--json]                one user
  activate <id|email>                     lets the user log in
  deactivate <id|email>                   stops the user logging in, and ends every session and token they hold
  set-password <id|email> [--password-stdin]
                                          asks for the new password twice (or reads it from standard input); the
                                          password validators apply, and every session and token of the user ends
  reset-mfa <id|email>                    removes every second factor of the user (TOTP, passkeys, recovery codes),
                                          ends every session they hold and mails them (API.md §12)`

const COMMON_PASSWORDS = new URL('../../assets/common-passwords.txt', import.meta.url).pathname
const USER_TYPES = ['site admin', 'university admin', 'moderator', 'faculty', 'representative', 'student']

const day = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString())
const yesNo = (flag: boolean) => (flag ? 'yes' : 'no')

/** Which kind of hash the account has: no secret is ever printed. */
function passwordKind(encoded: string): string {
  if (encoded.startsWith('!') || encoded === '') return 'unusable (set through a mailed link)'
  return encoded.split('$')[0] ?? 'unknown'
}

function toJson(user: User) {
  return {
    id: user.id, email: user.email, username: user.username, first_name: user.firstName, last_name: user.lastName,
    user_type: user.userType, is_active: user.isActive, is_staff: user.isStaff, is_superuser: user.isSuperuser,
    university: user.universityId, department: user.departmentId,
    date_joined: day(user.dateJoined), last_login: user.lastLogin === null ? null : day(user.lastLogin),
  }
}

function table(users: User[]): string {
  const rows = [['id', 'email', 'username', 'type', 'active', 'joined'], ...users.map((u) => [
    String(u.id), u.email, u.username, `${u.userType} ${USER_TYPES[u.userType] ?? ''}`.trim(), yesNo(u.isActive), day(u.dateJoined).slice(0, 10),
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

function details(user: User): string {
  const lines: [string, string][] = [
    ['id', String(user.id)], ['email', user.email], ['username', user.username],
    ['name', `${user.firstName} ${user.lastName}`.trim()], ['user_type', `${user.userType} (${USER_TYPES[user.userType] ?? 'unknown'})`],
    ['active', yesNo(user.isActive)], ['staff', yesNo(user.isStaff)], ['superuser', yesNo(user.isSuperuser)],
    ['university', user.universityId === null ? 'none' : String(user.universityId)],
    ['department', user.departmentId === null ? 'none' : String(user.departmentId)],
    ['joined', day(user.dateJoined)], ['last login', day(user.lastLogin)], ['password', passwordKind(user.password)],
  ]
  return lines.map(([key, value]) => `${`${key}:`.padEnd(12)}${value}`).join('\n')
}

async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    // One trailing newline is the end of the line (`echo pw | …`), not part of the password.
    return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '')
  }
  if (!process.stdin.isTTY) throw new CommandError('No terminal to ask for the password: pipe it in with --password-stdin.')
  const password = await askHidden('New password: ')
  if (password !== await askHidden('New password (again): ')) throw new CommandError("Error: Your passwords didn't match.")
  return password
}

type Flags = { json: boolean; stdin: boolean }

async function runSubcommand(accounts: OperatorAccounts, resetFactors: MfaReset, sub: string, ref: string | undefined, flags: Flags, out: Out) {
  if (sub === 'list') {
    const users = await accounts.list()
    return out(flags.json ? JSON.stringify(users.map(toJson), null, 2) : table(users))
  }
  if (ref === undefined) throw new CommandError(USERS_USAGE)
  if (sub === 'show') {
    const user = await accounts.find(ref)
    return out(flags.json ? JSON.stringify(toJson(user), null, 2) : details(user))
  }
  if (sub === 'activate' || sub === 'deactivate') {
    const { user, changed } = sub === 'activate' ? await accounts.activate(ref) : await accounts.deactivate(ref)
    const state = user.isActive ? 'active' : 'inactive; every session and token it held has ended'
    return out(changed ? `${user.email} (id ${user.id}) is now ${state}.` : `${user.email} `
      + `(id ${user.id}) was already ${user.isActive ? 'active' : 'inactive'}.`)
  }
  if (sub === 'set-password') {
    await accounts.find(ref)
    const user = await accounts.setPassword(ref, await readNewPassword(flags.stdin))
    return out(`Password of ${user.email} (id ${user.id}) changed; every session and token it held has ended.`)
  }
  if (sub === 'reset-mfa') {
    const user = await accounts.find(ref)
    await resetFactors(user, commandLineContext('users reset-mfa'))
    return out(`Second factors of ${user.email} (id ${user.id}) removed; every session it held has ended and a mail is queued.`)
  }
  throw new CommandError(`Unknown users subcommand "${sub}".\n\n${USERS_USAGE}`)
}

/** `users list | show | activate | deactivate | set-password | reset-mfa`. */
export async function users(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      'json': { type: 'boolean', default: false },
      'password-stdin': { type: 'boolean', default: false },
      'help': { type: 'boolean', default: false },
    },
  })
  const [sub, ref, ...extra] = positionals
  if (values.help || sub === undefined) return out(USERS_USAGE)
  if (extra.length > 0) throw new CommandError(USERS_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const tokens = withOidcGrantRevocation(createTokenStore(db))
    const audit = auditRecorderFor(db, config)
    const accounts = createOperatorAccounts({
      db, store: createAccountStore(db), hasher: createPasswordHasher(config.passwordHashing),
      commonPasswords: loadCommonPasswords(COMMON_PASSWORDS), revokeSessionsOfUser: tokens.revokeSessionsOfUser,
      audit,
    })
    const site = { siteName: config.siteName, protocol: config.protocol, domain: config.domain,
    passwordResetConfirmUrl: config.passwordResetConfirmUrl, mailTemplates: loadMailTemplates(config.email.templatesDir) }
    // The mail goes to the outbox; the running service's sender delivers it.
    const resetFactors = createMfaReset({
      db, store: createMfaStore(db), outbox: createOutboxStore(db), wakeMailer: () => {}, site, clock: Date.now,
      revokeOtherSessions: (trx, userId, keep, now) => tokens.revokeSessionsOfUser(trx, userId, now, keep), audit,
    })
    try {
      await runSubcommand(accounts, resetFactors, sub, ref, { json: values.json, stdin: values['password-stdin'] }, out)
    } catch (error) {
      if (error instanceof OperatorRefusal) throw new CommandError(error.message)
      throw error
    }
  })
}
