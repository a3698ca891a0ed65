import assert from 'node:assert/strict'
import type { Db } from '../../src/platform/db.ts'

export type StoredEvent = {
  id: string
  at: number
  type: string
  actorId: number | null
  userId: number | null
  universityId: number | null
  ip: string | null
  userAgent: string | null
  sessionId: string | null
  data: Record<string, unknown>
}

/** Every audit event in the test's database, oldest first, `data` parsed. */
export async function storedEvents(db: Db): Promise<StoredEvent[]> {
  const rows = await db.selectFrom('auditEvents').selectAll().orderBy('at').orderBy('id').execute()
  return rows.map((row) => ({ ...row, data: JSON.parse(row.data) as Record<string, unknown> }))
}

/** The events recorded after `since` (an id of an earlier event, or none), oldest first. */
export async function eventsAfter(db: Db, since: string | undefined): Promise<StoredEvent[]> {
  return (await storedEvents(db)).filter((e) => since === undefined || e.id > since)
}

/** The newest event id, to read only what a step records. */
export async function lastEventId(db: Db): Promise<string | undefined> {
  return (await storedEvents(db)).at(-1)?.id
}

/** Polls until an event matches (work that runs after its answer: reset requests); fails after the deadline. */
export async function waitForEvent(db: Db, match: (e: StoredEvent) => boolean, timeoutMs = 10_000): Promise<StoredEvent> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found = (await storedEvents(db)).find(match)
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error('no matching audit event before the deadline')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** The whole log of a run holds none of the secrets it used (API.md §13: no password, token, code, secret or hash). */
export async function assertNoSecretsLogged(db: Db, secrets: readonly string[]): Promise<void> {
  const events = await storedEvents(db)
  assert.ok(events.length > 0, 'no events were recorded')
  const dump = JSON.stringify(events)
  const hashes = (await db.selectFrom('users').select('password').execute()).map((u) => u.password)
  for (const secret of [...secrets, ...hashes]) {
    assert.ok(secret.length >= 8, `too short to grep for: ${secret}`)
    assert.ok(!dump.includes(secret), `the audit log holds a secret: ${secret.slice(0, 12)}...`)
  }
}
