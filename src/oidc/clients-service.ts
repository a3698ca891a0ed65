import type { AuditRecorder } from '../audit/record.ts'
import type { Db } from '../platform/db.ts'
import { AppError } from '../platform/errors.ts'
import type { FieldErrors } from '../platform/errors.ts'
import { complete } from '../platform/http/field-checks.ts'
import type { Parsed } from '../platform/http/field-checks.ts'
import type { RequestContext } from '../platform/http/request-context.ts'
import { checkBoolean, checkClientType, checkUriList } from './clients-checks.ts'
import type { Checked, ClientType } from './clients-checks.ts'
import type { OidcClientCreateBody, OidcClientPatchBody } from './clients-schemas.ts'
import type { OidcClient, OidcClientPatch, OidcClientStore } from './clients-store.ts'
import { hashClientSecret, newClientId, newClientSecret } from './client-secrets.ts'

/** A client as just created or rotated: its secret in clear this once (null for a public client), never stored so. */
export type ClientWithSecret = { client: OidcClient; secret: string | null }

type Change = 'created' | 'updated' | 'deleted' | 'secret_rotated'

/** What the route schema cannot check, in DRF's messages; `raw` is the body as sent, for the fields passed through. */
type Fields = { redirectUris?: string[]; postLogoutRedirectUris?: string[]; type?: ClientType; firstParty?: boolean }

function checkFields(errors: FieldErrors, raw: Record<string, unknown>, creating: boolean): Fields {
  const fields: Fields = {}
  // In the order of the fields (DRF reports them so), after `name`, which the route schema checked.
  const run = <T>(key: string, required: boolean, check: (value: unknown) => Checked<T>, set: (v: T) => void) => {
    if (raw[key] === undefined) {
      if (required) errors[key] = ['This field is required.']
      return
    }
    const checked = check(raw[key])
    if (checked.ok) set(checked.value)
    else errors[key] = checked.errors
  }
  run('redirect_uris', creating, (v) => checkUriList(v, false), (v) => { fields.redirectUris = v })
  run('post_logout_redirect_uris', false, (v) => checkUriList(v, true), (v) => { fields.postLogoutRedirectUris = v })
  // A client's type is fixed at creation: a secret comes or goes with it.
  if (creating) run('type', true, checkClientType, (v) => { fields.type = v })
  run('first_party', false, checkBoolean, (v) => { fields.firstParty = v })
  return fields
}

/**
 * The relying parties of the OpenID Provider (API.md §15), registered by site admins (the JSON API, the admin
 * console, the CLI). Every change is audited as `oidc.client_changed` in its own transaction, with the secret never
 * in the log: a confidential client's secret is made here, shown once by the caller, and stored as its SHA-256 only.
 */
export function createOidcClientService(deps: { db: Db; store: OidcClientStore; audit: AuditRecorder; clock?: () => number }) {
  const { db, store, audit } = deps
  const clock = deps.clock ?? Date.now

  async function existing(clientId: string, trx: Db = db): Promise<OidcClient> {
    const client = await store.find(clientId, trx)
    if (client === undefined) throw AppError.notFound()
    return client
  }

  function recordChange(trx: Db, context: RequestContext, clientId: string, change: Change) {
    // The allow-list of event-types.ts keeps `client_id` and `change` for this type, as `webhook.changed` does.
    return audit.record(trx, { type: 'oidc.client_changed', context, data: { client_id: clientId, change } })
  }

  return {
    async create(parsed: Parsed<Pick<OidcClientCreateBody, 'name'>>, raw: Record<string, unknown>, context: RequestContext): Promise<ClientWithSecret> {
      const fields = checkFields(parsed.errors, raw, true)
      const body = complete(parsed)
      const type = fields.type ?? 'confidential'
      const secret = type === 'confidential' ? newClientSecret() : null
      const client = await db.transaction().execute(async (trx) => {
        const created = await store.insert(trx, {
          clientId: newClientId(), name: body.name, type, firstParty: fields.firstParty ?? false,
          redirectUris: fields.redirectUris ?? [], postLogoutRedirectUris: fields.postLogoutRedirectUris ?? [],
          secretHash: secret === null ? null : hashClientSecret(secret),
        }, clock())
        await recordChange(trx, context, created.clientId, 'created')
        return created
      })
      return { client, secret }
    },

    list: (): Promise<OidcClient[]> => store.list(),
    get: (clientId: string): Promise<OidcClient> => existing(clientId),

    async update(clientId: string, parsed: Parsed<OidcClientPatchBody>, raw: Record<string, unknown>, context: RequestContext): Promise<OidcClient> {
      await existing(clientId)
      const fields = checkFields(parsed.errors, raw, false)
      const body = complete(parsed)
      const patch: OidcClientPatch = {
        ...(body.name !== undefined && { name: body.name }),
        ...(fields.redirectUris !== undefined && { redirectUris: fields.redirectUris }),
        ...(fields.postLogoutRedirectUris !== undefined && { postLogoutRedirectUris: fields.postLogoutRedirectUris }),
        ...(fields.firstParty !== undefined && { firstParty: fields.firstParty }),
      }
      return db.transaction().execute(async (trx) => {
        const updated = await store.update(trx, clientId, patch, clock())
        if (updated === undefined) throw AppError.notFound()
        await recordChange(trx, context, clientId, 'updated')
        return updated
      })
    },

    async remove(clientId: string, context: RequestContext): Promise<void> {
      await db.transaction().execute(async (trx) => {
        if (!await store.remove(trx, clientId)) throw AppError.notFound()
        await recordChange(trx, context, clientId, 'deleted')
      })
    },

    /** A new secret, shown once; the old one stops working at once (the provider reads the hash on every request). */
    async rotateSecret(clientId: string, context: RequestContext): Promise<ClientWithSecret & { secret: string }> {
      const client = await existing(clientId)
      if (client.type === 'public') throw new AppError(400, 'VALIDATION_FAILED', { detail: 'A public client has no secret to rotate.' })
      const secret = newClientSecret()
      const rotated = await db.transaction().execute(async (trx) => {
        const updated = await store.update(trx, clientId, { secretHash: hashClientSecret(secret) }, clock())
        if (updated === undefined) throw AppError.notFound()
        await recordChange(trx, context, clientId, 'secret_rotated')
        return updated
      })
      return { client: rotated, secret }
    },
  }
}

export type OidcClientService = ReturnType<typeof createOidcClientService>
