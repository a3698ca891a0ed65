import { parseArgs } from 'node:util'
import { loadConfig, readEnvironment } from '../config.ts'
import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import { commandLineContext } from '../platform/http/request-context.ts'
import { validateObject } from '../platform/http/validation.ts'
import { OidcClientCreateBody } from '../oidc/clients-schemas.ts'
import { toOidcClientJson, toOidcClientWithSecretJson } from '../oidc/clients-serialize.ts'
import { createOidcClientService } from '../oidc/clients-service.ts'
import type { ClientWithSecret, OidcClientService } from '../oidc/clients-service.ts'
import { createOidcClientStore } from '../oidc/clients-store.ts'
import type { OidcClient } from '../oidc/clients-store.ts'
import { auditRecorderFor } from './audit-recorder.ts'
import { CommandError, withDatabase } from './run-command.ts'
import type { Out } from './run-command.ts'

export const OIDC_USAGE = `Usage: npm run cli -- oidc clients <subcommand>

  list [--json]       the OpenID Connect clients (relying parties), oldest first, without secrets
  add --name <name> --redirect-uri <url> [--redirect-uri <url> ...] [--post-logout-redirect-uri <url> ...]
      [--type confidential|public] [--first-party] [--json]
                      registers a client (confidential by default); its client_secret is printed this once
  remove <client_id>  deletes a client: its client_id no longer signs anyone in
  rotate-secret <client_id>
                      a new client_secret, printed this once; the old one stops working at once

The same rules as POST /api/oidc/clients/ (API.md §15): redirect URIs are matched exactly, https (http only on
localhost, 127.0.0.1 or [::1]) and without a fragment; a public client has no secret and must use PKCE S256.`

const SUBCOMMANDS = ['list', 'add', 'remove', 'rotate-secret'] as const
type Subcommand = (typeof SUBCOMMANDS)[number]

/** The options the body's fields came from, to say which one was wrong. */
const OPTION_OF: Record<string, string> = {
  name: '--name', redirect_uris: '--redirect-uri', post_logout_redirect_uris: '--post-logout-redirect-uri', type: '--type', first_party: '--first-party',
}

/** The service's DRF field errors as lines an operator can act on (a URL's errors name the URL). */
function describeErrors(errors: FieldErrors, raw: Record<string, unknown>): string {
  return Object.entries(errors).flatMap(([field, value]) => {
    const option = OPTION_OF[field] ?? field
    if (Array.isArray(value)) return value.map((m) => `${option}: ${m}`)
    // A list's errors come by item index (DRF's ListField): each names the URL it is about.
    return Object.entries(value).flatMap(([index, messages]) => (Array.isArray(messages) ? messages : []).map((m) => {
      const uri = (raw[field] as unknown[] | undefined)?.[Number(index)]
      return `${option} ${String(uri)}: ${m}`
    }))
  }).join('\n')
}

function table(clients: OidcClient[]): string {
  if (clients.length === 0) return 'No clients.'
  const rows = [['client_id', 'name', 'type', 'first_party', 'redirect_uris'], ...clients.map((c) => [
    c.clientId, c.name, c.type, c.firstParty ? 'yes' : 'no', c.redirectUris.join(' '),
  ])]
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

function shown({ client, secret }: ClientWithSecret): string {
  const lines = [`client_id:      ${client.clientId}`]
  if (secret === null) return [...lines, 'A public client has no secret: it must use PKCE (S256).'].join('\n')
  return [...lines, `client_secret:  ${secret}`, 'The secret is shown only now: put it in the client\'s configuration (it is stored hashed).'].join('\n')
}

/** Runs a service call; its typed errors become one-line messages (exit 1) instead of a stack. */
async function run<T>(work: () => Promise<T>, raw: Record<string, unknown>, clientId?: string): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    if (error.code === 'NOT_FOUND') throw new CommandError(`No client with client_id "${clientId ?? ''}": \`npm run cli -- oidc clients list\` shows them.`)
    const { detail } = error.body
    throw new CommandError(typeof detail === 'string' ? detail : describeErrors(error.body as FieldErrors, raw))
  }
}

type AddOptions = { 'name'?: string; 'redirect-uri'?: string[]; 'post-logout-redirect-uri'?: string[]; 'type'?: string; 'first-party': boolean }

async function add(service: OidcClientService, options: AddOptions): Promise<ClientWithSecret> {
  const raw: Record<string, unknown> = {
    name: options.name, redirect_uris: options['redirect-uri'], post_logout_redirect_uris: options['post-logout-redirect-uri'] ?? [],
    type: options.type ?? 'confidential', first_party: options['first-party'],
  }
  // `name` is checked as the route's schema checks it (DRF's CharField), the rest by the service.
  const checked = validateObject(OidcClientCreateBody, raw)
  const parsed: Parsed<OidcClientCreateBody> = checked.ok
    ? { value: checked.value, errors: {} }
    : { value: checked.partial ?? {}, errors: checked.errors }
  return run(() => service.create(parsed, raw, commandLineContext('oidc clients add')), raw)
}

/** `oidc clients list | add | remove | rotate-secret`: API.md §15's client registration, for an operator. */
export async function oidc(args: string[], out: Out): Promise<void> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      'name': { type: 'string' }, 'redirect-uri': { type: 'string', multiple: true }, 'post-logout-redirect-uri': { type: 'string', multiple: true },
      'type': { type: 'string' }, 'first-party': { type: 'boolean', default: false }, 'json': { type: 'boolean', default: false },
      'help': { type: 'boolean', default: false },
    },
  })
  const [group, sub, ref, ...extra] = positionals
  if (values.help || group === undefined || (group === 'clients' && sub === undefined)) return out(OIDC_USAGE)
  if (group !== 'clients' || !SUBCOMMANDS.includes(sub as Subcommand)) {
    throw new CommandError(`Unknown oidc subcommand "${[group, sub].filter(Boolean).join(' ')}".\n\n${OIDC_USAGE}`)
  }
  const addOptions = values.name !== undefined || values['redirect-uri'] !== undefined || values['post-logout-redirect-uri'] !== undefined
    || values.type !== undefined || values['first-party']
  const needsId = sub === 'remove' || sub === 'rotate-secret'
  if (extra.length > 0 || needsId !== (ref !== undefined) || (sub !== 'add' && addOptions) || (needsId && values.json)) throw new CommandError(OIDC_USAGE)
  const config = loadConfig(readEnvironment())
  await withDatabase(config, async (db) => {
    const service = createOidcClientService({ db, store: createOidcClientStore(db), audit: auditRecorderFor(db, config) })
    if (sub === 'list') {
      const clients = await service.list()
      return out(values.json ? JSON.stringify(clients.map(toOidcClientJson), null, 2) : table(clients))
    }
    if (sub === 'add') {
      const created = await add(service, values)
      return out(values.json ? JSON.stringify(toOidcClientWithSecretJson(created.client, created.secret), null, 2)
        : `Client registered: ${created.client.name} (${created.client.type}).\n${shown(created)}`)
    }
    const clientId = ref ?? ''
    if (sub === 'remove') {
      await run(() => service.remove(clientId, commandLineContext('oidc clients remove')), {}, clientId)
      return out(`Client ${clientId} deleted.`)
    }
    const rotated = await run(() => service.rotateSecret(clientId, commandLineContext('oidc clients rotate-secret')), {}, clientId)
    out(`New secret for ${rotated.client.name}; the old one no longer works.\n${shown(rotated)}`)
  })
}
