import { createDeferredWork } from '../platform/deferred-work.ts'
import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import type { Config } from '../config.ts'
import { loadCommonPasswords } from '../accounts/password-validators.ts'
import { createAccountService } from '../accounts/service.ts'
import { createAccountStore } from '../accounts/store.ts'
import { createOutboxStore } from '../mail/outbox-store.ts'
import { loadMailTemplates } from '../mail/templates.ts'
import type { Db } from '../platform/db.ts'
import { AppError } from '../platform/errors.ts'
import { createPasswordHasher } from '../platform/password-hashing.ts'
import { createLinkTokens } from '../links/link-token.ts'
import { createTokenStore } from '../tokens/store.ts'
import { withOidcGrantRevocation } from '../oidc/grant-revocation.ts'
import { toUniversityJson } from '../universities/serialize.ts'
import type { UniversityWithAdmin } from '../universities/serialize.ts'
import { createUniversityLookup } from '../universities/lookup.ts'
import { createUniversityService } from '../universities/service.ts'
import type { UniversityService } from '../universities/service.ts'
import { createUniversityStore } from '../universities/store.ts'
import { CommandError, withDatabase } from './run-command.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { commandLineContext } from '../platform/http/request-context.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import type { Out } from './run-command.ts'

export const UNIVERSITIES_USAGE = `Usage: npm run cli -- universities <subcommand>

  list [--pending|--approved|--banned] [--json]
                      universities by id, with their admin (all of them, or those pending approval, approved or banned)
  approve <id>        approves it: its admin becomes an active university admin and is mailed a set-password link
  disapprove <id>     withdraws the approval: its admin is deactivated (every session ends) and told by mail
  ban <id>            takes it off the public list and registration; its members keep their accounts
  unban <id>          undoes a ban

The same rules as POST /api/university/approve/ and the others. Mails are queued in the outbox: the running service
sends them at its next poll (EMAIL_POLL_INTERVAL).`

const COMMON_PASSWORDS = new URL('../../assets/common-passwords.txt', import.meta.url).pathname

type Action = 'approve' | 'disapprove' | 'ban' | 'unban'

const MAIL_QUEUED = 'The mail to its admin (if it has one) is queued: the running service sends it at its next poll.'

// The service functions the HTTP routes call (universities/routes.ts), with the message of their answer.
type Run = (universities: UniversityService, id: number, context: RequestContext) => Promise<void>
const ACTIONS: Record<Action, { run: Run; done: string }> = {
  approve: { run: (u, id, c) => u.approveUniversity(id, c), done: `approved.\n${MAIL_QUEUED}` },
  disapprove: { run: (u, id, c) => u.disapproveUniversity(id, c), done: `disapproved.\n${MAIL_QUEUED}` },
  ban: { run: (u, id, c) => u.setUniversityBanned(id, true, c), done: 'banned.' },
  unban: { run: (u, id, c) => u.setUniversityBanned(id, false, c), done: 'unbanned.' },
}

/**
 * The university service as app.ts builds it, on the command's database. No mailer: the CLI only queues mail, and
 * the running service's outbox sender delivers it (as after `outbox retry`).
 */
function universityService(config: Config, db: Db): UniversityService {
  const outbox = createOutboxStore(db)
  const universityStore = createUniversityStore(db)
  const tokenStore = withOidcGrantRevocation(createTokenStore(db))
  const audit = auditRecorderFor(db, config)
  const site = { siteName: config.siteName, protocol: config.protocol, domain: config.domain,
    passwordResetConfirmUrl: config.passwordResetConfirmUrl, mailTemplates: loadMailTemplates(config.email.templatesDir) }
  const accounts = createAccountService({
    db, store: createAccountStore(db), outbox, wakeMailer: () => {}, hasher: createPasswordHasher(config.passwordHashing),
    linkTokens: createLinkTokens(config.secretKey), universities: createUniversityLookup({ store: universityStore }),
    commonPasswords: loadCommonPasswords(COMMON_PASSWORDS), site,
    revokeSessionsOfUser: (trx, userId, now) => tokenStore.revokeSessionsOfUser(trx, userId, now),
    // No university action defers work (only reset and resend requests do); a failure would still be reported.
    deferred: createDeferredWork((error, label) => process.stderr.write(`${label} failed: ${String(error)}\n`)),
    audit,
  })
  return createUniversityService({ db, store: universityStore, accounts, outbox, wakeMailer: () => {}, site, audit })
}

function table(universities: UniversityWithAdmin[]): string {
  if (universities.length === 0) return 'No universities.'
  const rows = [['id', 'name', 'domain', 'approved', 'banned', 'admin'], ...universities.map(({ university, admin }) => [
    String(university.id), university.name, university.domain, university.isApproved ? 'yes' : 'no', university.isBanned ? 'yes' : 'no',
    admin === null ? 'none' : `${admin.email} (id ${admin.id}${admin.isActive ? '' : ', inactive'})`,
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

function listOf(universities: UniversityService, flags: { pending: boolean; approved: boolean; banned: boolean }) {
  const chosen = (['pending', 'approved', 'banned'] as const).filter((f) => flags[f])
  if (chosen.length > 1) throw new CommandError(`Choose one of --pending, --approved and --banned, got ${chosen.map((f) => `--${f}`).join(' ')}.`)
  if (flags.pending) return universities.listPendingUniversities()
  if (flags.approved) return universities.listApprovedUniversities()
  if (flags.banned) return universities.listBannedUniversities()
  return universities.listAllUniversities()
}

/**
 * The one place an operator's action on a university happens. The audit log (API.md §13) records the university's
 * event and an `admin.action` naming the command, in the action's transaction (no actor: the command line).
 */
async function act(universities: UniversityService, action: Action, id: number): Promise<string> {
  try {
    await ACTIONS[action].run(universities, id, commandLineContext(`universities ${action}`))
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') {
      throw new CommandError(`No university with id ${id}: \`npm run cli -- universities list\` shows the ids.`)
    }
    throw error
  }
  return `University ${id} ${ACTIONS[action].done}`
}

/** `universities list | approve | disapprove | ban | unban`: API.md §8's site-admin actions, for an operator. */
export async function universities(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      pending: { type: 'boolean', default: false }, approved: { type: 'boolean', default: false }, banned: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
    },
  })
  const [sub, ref, ...extra] = positionals
  if (values.help || sub === undefined) return out(UNIVERSITIES_USAGE)
  if (sub !== 'list' && !Object.hasOwn(ACTIONS, sub)) throw new CommandError(`Unknown universities subcommand "${sub}".\n\n${UNIVERSITIES_USAGE}`)
  const listFlags = values.pending || values.approved || values.banned || values.json
  if (extra.length > 0 || (sub === 'list') !== (ref === undefined) || (sub !== 'list' && listFlags)) throw new CommandError(UNIVERSITIES_USAGE)
  if (ref !== undefined && !/^\d+$/.test(ref)) throw new CommandError(`A university id is a whole number, got "${ref}".`)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const service = universityService(config, db)
    if (sub === 'list') {
      const listed = await listOf(service, values)
      return out(values.json ? JSON.stringify(listed.map(toUniversityJson), null, 2) : table(listed))
    }
    out(await act(service, sub as Action, Number(ref)))
  })
}
