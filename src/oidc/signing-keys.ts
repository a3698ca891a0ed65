import { createHash } from 'node:crypto'
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose'
import type { Db } from '../platform/db.ts'
import { createKeySeal } from './key-seal.ts'
import type { PrivateJwk } from './key-seal.ts'
import { createSigningKeyStore } from './signing-keys-store.ts'
import type { SigningKeyRow } from './signing-keys-store.ts'

/**
 * The longest lifetime of a token the provider signs or issues: refresh tokens, 14 days (ID and access tokens live an
 * hour). A retired key stays published this long after its successor starts signing, then `keys prune` drops it.
 */
export const OIDC_MAX_TOKEN_SECONDS = 14 * 86_400

export type OidcKeyAlg = 'ES256' | 'EdDSA'
export type OidcKeyInfo = {
  kid: string; alg: 'ES256' | 'EdDSA'; createdAt: number; activeFrom: number; retiredAt: number | null; state: 'next' | 'signing' | 'retired'
}

export type SigningKeys = {
  /** Private JWKs (kid, alg, use 'sig'): for each alg the signing key FIRST, then every other published key (next and
   * retired ones). Creates the first ES256 and EdDSA keys (active at once) when the table has none. `fingerprint`
   * changes whenever the set or the order changes (the provider is rebuilt then). */
  keystore(now: number): Promise<{ keys: Record<string, unknown>[]; fingerprint: string }>
  /** A new ES256 and EdDSA key, published at once, signing from now + OIDC_KEY_PREPUBLISH_SECONDS; the keys they
   * replace get retired_at = that moment. */
  rotate(now: number): Promise<OidcKeyInfo[]>
  list(now: number): Promise<OidcKeyInfo[]>
  /** Drops retired keys whose retired_at + maxTokenSeconds < now (no token they signed can still be valid). */
  prune(now: number, maxTokenSeconds: number): Promise<string[]>
}

// ES256 first: the provider's discovery lists the algorithms in the order of its keys.
const ALGS: readonly OidcKeyAlg[] = ['ES256', 'EdDSA']

type NewKey = { kid: string; alg: OidcKeyAlg; privateJwk: PrivateJwk; publicJwk: PrivateJwk }

async function generateKey(alg: OidcKeyAlg): Promise<NewKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true })
  const publicPart = await exportJWK(publicKey)
  // RFC 7638 thumbprint: a kid that names the key itself, the same wherever it is computed.
  const kid = await calculateJwkThumbprint(publicPart)
  const meta = { kid, alg, use: 'sig' }
  return { kid, alg, privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicPart, ...meta } }
}

/** Newest first: by when each starts signing, then by insertion (keys made in the same millisecond). */
const newestFirst = (a: SigningKeyRow, b: SigningKeyRow) => b.activeFrom - a.activeFrom || b.id - a.id

/** A key of each alg in the order the provider must see them: the one signing at `now`, then the others, newest first. */
function publicationOrder(rows: SigningKeyRow[], now: number): SigningKeyRow[] {
  return ALGS.flatMap((alg) => {
    const ofAlg = rows.filter((r) => r.alg === alg).sort(newestFirst)
    const signing = ofAlg.find((r) => r.activeFrom <= now)
    return signing === undefined ? ofAlg : [signing, ...ofAlg.filter((r) => r !== signing)]
  })
}

function infosOf(rows: SigningKeyRow[], now: number): Map<SigningKeyRow, OidcKeyInfo> {
  const signing = new Set(ALGS.map((alg) => rows.filter((r) => r.alg === alg && r.activeFrom <= now).sort(newestFirst)[0]))
  return new Map(rows.map((r) => [r, {
    kid: r.kid, alg: r.alg, createdAt: r.createdAt, activeFrom: r.activeFrom, retiredAt: r.retiredAt,
    state: signing.has(r) ? 'signing' : r.activeFrom > now ? 'next' : 'retired',
  }]))
}

/**
 * The OpenID Provider's signing keys (API.md §15), in the database so that every instance signs with the same keys
 * and a rotation reaches them all; the private halves sealed under SECRET_KEY (key-seal.ts). The provider takes
 * `jwks: { keys }` from keystore(now) and signs with the first key of each alg (its key selection keeps our order);
 * a new fingerprint (a rotation published or started signing, a key pruned) means the provider must be rebuilt.
 */
export function createSigningKeys(deps: { db: Db; secretKey: string; prepublishSeconds: number }): SigningKeys {
  const { db } = deps
  const store = createSigningKeyStore(db)
  const seal = createKeySeal(deps.secretKey)

  async function insertKey(trx: Db, key: NewKey, now: number, activeFrom: number): Promise<void> {
    await store.insert(trx, {
      kid: key.kid, alg: key.alg, privateJwkSealed: seal.seal(key.privateJwk), publicJwk: JSON.stringify(key.publicJwk),
      createdAt: now, activeFrom,
    })
  }

  /** The first key of every alg that has none, signing at once (nothing was published before it). */
  async function createMissingKeys(now: number): Promise<void> {
    const fresh = await Promise.all(ALGS.map(generateKey))
    await db.transaction().execute(async (trx) => {
      await store.lockForWriting(trx)
      const present = new Set((await store.listAll(trx)).map((r) => r.alg))
      for (const key of fresh) if (!present.has(key.alg)) await insertKey(trx, key, now, now)
    })
  }

  return {
    async keystore(now) {
      let rows = await store.listAll()
      if (ALGS.some((alg) => !rows.some((r) => r.alg === alg))) {
        await createMissingKeys(now)
        rows = await store.listAll()
      }
      const ordered = publicationOrder(rows, now)
      const keys = ordered.map((r) => seal.open(r.privateJwkSealed, r.kid))
      const fingerprint = createHash('sha256').update(ordered.map((r) => r.kid).join(' ')).digest('base64url')
      return { keys, fingerprint }
    },

    async rotate(now) {
      // Keys this SECRET_KEY cannot open would stay published but unusable: refused before anything is added.
      for (const row of await store.listAll()) seal.open(row.privateJwkSealed, row.kid)
      const fresh = await Promise.all(ALGS.map(generateKey))
      const kids = new Set(fresh.map((k) => k.kid))
      const rows = await db.transaction().execute(async (trx) => {
        await store.lockForWriting(trx)
        const existing = await store.listAll(trx)
        for (const key of fresh) {
          // Published at once, signing only after the prepublish delay, so relying parties' JWKS caches know it first;
          // an alg with no key yet has nothing to wait for.
          const activeFrom = existing.some((r) => r.alg === key.alg) ? now + deps.prepublishSeconds * 1000 : now
          await store.retireCurrent(trx, key.alg, activeFrom)
          await insertKey(trx, key, now, activeFrom)
        }
        return store.listAll(trx)
      })
      const infos = infosOf(rows, now)
      return rows.filter((r) => kids.has(r.kid)).map((r) => infos.get(r)).filter((i) => i !== undefined)
    },

    async list(now) {
      const rows = await store.listAll()
      const infos = infosOf(rows, now)
      return rows.map((r) => infos.get(r)).filter((i) => i !== undefined)
    },

    async prune(now, maxTokenSeconds) {
      return store.deleteRetiredBefore(now - maxTokenSeconds * 1000)
    },
  }
}
