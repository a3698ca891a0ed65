import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { storedEvents } from '../helpers/audit.ts'

const DAY = 86_400_000

describe('Audit retention (AUDIT_RETENTION_DAYS)', () => {
  it('When the service starts with events older than the retention, then its periodic pruning deletes them and keeps the rest', async () => {
    const first = await startServer({}, { keepDatabase: true })
    let database = first.database
    try {
      await registerAndActivate(first)
      await registerAndActivate(first)
      const events = await storedEvents(first.db)
      assert.equal(events.length, 4)
      const [oldest, old, ...recent] = events
      // Aged in the database, as if recorded 40 and 400 days ago.
      await first.db.updateTable('auditEvents').set({ at: Date.now() - 400 * DAY }).where('id', '=', oldest?.id ?? '').execute()
      await first.db.updateTable('auditEvents').set({ at: Date.now() - 40 * DAY }).where('id', '=', old?.id ?? '').execute()
      await first.close()

      const defaults = await startServer({}, { database, keepDatabase: true })
      // The pruning runs when the service starts (platform/periodic.ts), then hourly: polled with a deadline.
      const deadline = Date.now() + 10_000
      while ((await storedEvents(defaults.db)).some((e) => e.id === oldest?.id) && Date.now() < deadline) await new Promise((r) => setImmediate(r))
      assert.deepEqual((await storedEvents(defaults.db)).map((e) => e.id), [old?.id, ...recent.map((e) => e.id)])
      await defaults.close()

      const short = await startServer({ AUDIT_RETENTION_DAYS: '30' }, { database })
      database = short.database
      const until = Date.now() + 10_000
      while ((await storedEvents(short.db)).some((e) => e.id === old?.id) && Date.now() < until) await new Promise((r) => setImmediate(r))
      assert.deepEqual((await storedEvents(short.db)).map((e) => e.id), recent.map((e) => e.id))
      await short.close()
    } catch (error) {
      await database.drop()
      throw error
    }
  })
})
