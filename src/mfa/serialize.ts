import type { CredentialRow } from './store.ts'

const iso = (ms: number) => new Date(ms).toISOString()

/** A passkey as its owner sees it (API.md §12): never the key or the credential id. */
export function toPasskeyJson(passkey: CredentialRow) {
  return { id: passkey.id, name: passkey.name, created: iso(passkey.createdAt), last_used: passkey.lastUsedAt === null ? null : iso(passkey.lastUsedAt) }
}

/** A path id: digits only, within PostgreSQL's integer; anything else names no passkey (or user). */
export function pathId(raw: string): number | null {
  const id = /^\d{1,10}$/.test(raw) ? Number(raw) : 0
  return id >= 1 && id <= 2_147_483_647 ? id : null
}
