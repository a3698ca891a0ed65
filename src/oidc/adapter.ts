import type { Db } from '../platform/db.ts'
import { createOidcPayloadStore } from './payload-store.ts'

/** What oidc-provider stores for a model instance: its own JSON, kept whole (it adds properties between versions). */
export type OidcAdapterPayload = Record<string, unknown>

/**
 * oidc-provider's Adapter contract (its example/my_adapter.js): one instance per model name, every method a promise.
 * A consumed row is returned with `consumed` (epoch seconds, as the provider's memory adapter sets it).
 */
export type OidcAdapter = {
  upsert(id: string, payload: OidcAdapterPayload, expiresIn: number | undefined): Promise<void>
  find(id: string): Promise<OidcAdapterPayload | undefined>
  findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined>
  findByUid(uid: string): Promise<OidcAdapterPayload | undefined>
  consume(id: string): Promise<void>
  destroy(id: string): Promise<void>
  revokeByGrantId(grantId: string): Promise<void>
}

export type OidcAdapterClass = new (name: string) => OidcAdapter

/**
 * The models whose rows carry the grant they were issued under: revokeByGrantId deletes them all at once, whichever
 * model's adapter is asked (as the provider's memory adapter does). The Grant itself and the Interaction that names one
 * are not among them: the provider destroys a Grant by its id.
 */
const GRANT_MEMBERS = ['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null)

/**
 * The storage adapter on our database (SQLite or PostgreSQL), for oidc-provider's `adapter` setting. `clock` gives
 * epoch milliseconds: tests move it to expire rows without waiting.
 */
export function createOidcAdapter(db: Db, clock: () => number): OidcAdapterClass {
  const store = createOidcPayloadStore(db)
  const withConsumed = (found: { payload: OidcAdapterPayload; consumedAt: number | null } | undefined) => {
    if (found === undefined) return undefined
    return found.consumedAt === null ? found.payload : { ...found.payload, consumed: Math.floor(found.consumedAt / 1000) }
  }

  // A class, against STYLE.md rule 5: oidc-provider's `adapter` setting wants a constructor it calls with a model name.
  return class DatabaseOidcAdapter implements OidcAdapter {
    readonly model: string

    constructor(name: string) {
      this.model = name
    }

    async upsert(id: string, payload: OidcAdapterPayload, expiresIn: number | undefined): Promise<void> {
      const accountId = payload.accountId
      await store.upsert({
        model: this.model, id, payload,
        grantId: text(payload.grantId),
        userCode: text(payload.userCode),
        uid: text(payload.uid),
        accountId: typeof accountId === 'number' ? String(accountId) : text(accountId),
        expiresAt: typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? clock() + expiresIn * 1000 : null,
      })
    }

    async find(id: string): Promise<OidcAdapterPayload | undefined> {
      return withConsumed(await store.find(this.model, id, clock()))
    }

    async findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined> {
      return withConsumed(await store.findByUserCode(this.model, userCode, clock()))
    }

    async findByUid(uid: string): Promise<OidcAdapterPayload | undefined> {
      return withConsumed(await store.findByUid(this.model, uid, clock()))
    }

    async consume(id: string): Promise<void> {
      await store.consume(this.model, id, clock())
    }

    async destroy(id: string): Promise<void> {
      await store.destroy(this.model, id)
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.revokeByGrantId(grantId, GRANT_MEMBERS)
    }
  }
}

/** Deletes the provider's rows whose lifetime has passed (the periodic job in app.ts); returns how many. */
export function pruneExpiredOidcPayloads(db: Db, now: number): Promise<number> {
  return createOidcPayloadStore(db).pruneExpired(now)
}
