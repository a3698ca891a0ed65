import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import type { Config } from '../config.ts'
import type { Db } from '../platform/db.ts'
import { SigningKeySealedElsewhereError } from '../oidc/key-seal.ts'
import { OIDC_MAX_TOKEN_SECONDS, createSigningKeys } from '../oidc/signing-keys.ts'
import type { OidcKeyInfo } from '../oidc/signing-keys.ts'
import { commandLineContext } from '../platform/http/request-context.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { CommandError, withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const KEYS_USAGE = `Usage: npm run cli -- keys <subcommand>

  list [--json]   the OpenID Provider's signing keys: kid, algorithm, state (next: published, not signing yet;
                  signing; retired: published until the tokens it signed have expired), when each was created,
                  signs from, and retired
  rotate          a new ES256 and a new EdDSA key: published in the JWKS at once, signing after
                  OIDC_KEY_PREPUBLISH_SECONDS; the keys they replace retire then
  prune           drops the retired keys that no unexpired token can be signed with (retired over
                  ${OIDC_MAX_TOKEN_SECONDS / 86_400} days ago, the longest token lifetime)

API.md §15. The running instances read the keys from the database: they publish and sign with what rotate and prune leave.`

const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'))

function table(keys: OidcKeyInfo[]): string {
  if (keys.length === 0) return 'No signing keys yet: the service makes the first ones when it starts (or run `keys rotate`).'
  const rows = [['kid', 'alg', 'state', 'created', 'signing from', 'retired'], ...keys.map((k) => [
    k.kid, k.alg, k.state, time(k.createdAt), time(k.activeFrom), time(k.retiredAt),
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

const toJson = (k: OidcKeyInfo) => ({
  kid: k.kid, alg: k.alg, state: k.state, created: time(k.createdAt), signing_from: time(k.activeFrom),
  retired: k.retiredAt === null ? null : time(k.retiredAt),
})

function inWords(ms: number): string {
  if (ms <= 0) return 'now'
  const minutes = Math.round(ms / 60_000)
  return minutes < 1 ? `in ${Math.round(ms / 1000)} s` : `in ${minutes} min`
}

async function recordAction(db: Db, config: Readonly<Config>, action: string, target: string): Promise<void> {
  // An operator's change is in the audit log (API.md §13: admin.action), as the other commands' are.
  const context = commandLineContext(`keys ${action}`)
  await auditRecorderFor(db, config).record(db, { type: 'admin.action', context, data: { action: `keys ${action}`, target } })
}

async function rotate(db: Db, config: Readonly<Config>, out: Out): Promise<void> {
  const now = Date.now()
  const keys = createSigningKeys({ db, secretKey: config.secretKey, prepublishSeconds: config.oidcKeyPrepublishSeconds })
  out('Generating a new ES256 and EdDSA signing key...')
  const created = await keys.rotate(now)
  for (const k of created) out(`  ${k.alg.padEnd(5)}  ${k.kid}  published now, signing from ${time(k.activeFrom)} (${inWords(k.activeFrom - now)})`)
  await recordAction(db, config, 'rotate', created.map((k) => k.kid).join(' '))
  out('The keys they replace stay published; `npm run cli -- keys prune` drops them once no token they signed is valid.')
}

async function prune(db: Db, config: Readonly<Config>, out: Out): Promise<void> {
  const keys = createSigningKeys({ db, secretKey: config.secretKey, prepublishSeconds: config.oidcKeyPrepublishSeconds })
  const dropped = await keys.prune(Date.now(), OIDC_MAX_TOKEN_SECONDS)
  if (dropped.length === 0) return out(`No retired key to drop: each was retired less than ${OIDC_MAX_TOKEN_SECONDS / 86_400} days ago, or none is retired.`)
  await recordAction(db, config, 'prune', dropped.join(' '))
  out(`Dropped ${dropped.length} retired key${dropped.length === 1 ? '' : 's'} (no longer in the JWKS):`)
  for (const kid of dropped) out(`  ${kid}`)
}

/** `keys list | rotate | prune`: the OpenID Provider's signing keys (API.md §15). */
export async function keys(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  })
  const [sub, ...rest] = positionals
  if (values.help || sub === undefined) return out(KEYS_USAGE)
  if (sub !== 'list' && sub !== 'rotate' && sub !== 'prune') throw new CommandError(`Unknown keys subcommand "${sub}".\n\n${KEYS_USAGE}`)
  if (rest.length > 0 || (values.json && sub !== 'list')) throw new CommandError(KEYS_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    try {
      if (sub === 'rotate') return await rotate(db, config, out)
      if (sub === 'prune') return await prune(db, config, out)
      const now = Date.now()
      const list = await createSigningKeys({ db, secretKey: config.secretKey, prepublishSeconds: config.oidcKeyPrepublishSeconds }).list(now)
      out(values.json ? JSON.stringify(list.map(toJson), null, 2) : table(list))
    } catch (error) {
      if (error instanceof SigningKeySealedElsewhereError) throw new CommandError(error.message)
      throw error
    }
  })
}
