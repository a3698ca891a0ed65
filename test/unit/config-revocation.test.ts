import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const base = { SECRET_KEY: 'k'.repeat(40), DATA_DIR: '/tmp/unilink-config-test' }

describe('REVOCATION_* settings (README "Several instances")', () => {
  it('When nothing is set, then PostgreSQL is the channel, a heartbeat every 250 ms, trusted for 1 s', () => {
    assert.deepEqual(loadConfig(base).revocation, { channel: { kind: 'postgres' }, listenUrl: undefined, heartbeatMs: 250, maxLagMs: 1000 })
  })

  it('When Redis is chosen with a URL and a prefix, then both are the channel\'s', () => {
    const config = loadConfig({ ...base, REVOCATION_CHANNEL: 'redis', REDIS_URL: 'redis://r:6379', REDIS_KEY_PREFIX: 'p:' })
    assert.deepEqual(config.revocation.channel, { kind: 'redis', url: 'redis://r:6379', keyPrefix: 'p:' })
  })

  it('When a setting is unusable, then the start stops with one line naming it', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ REVOCATION_CHANNEL: 'redis' }, /^REVOCATION_CHANNEL: redis needs REDIS_URL$|REVOCATION_CHANNEL.*redis needs REDIS_URL/],
      [{ REVOCATION_CHANNEL: 'kafka' }, /REVOCATION_CHANNEL.*must be one of postgres, redis/],
      [{ DATABASE_LISTEN_URL: 'mysql://x' }, /DATABASE_LISTEN_URL.*must be a postgres:\/\/ URL/],
      [{ REVOCATION_HEARTBEAT_MS: '1000' }, /REVOCATION_HEARTBEAT_MS.*must be below REVOCATION_MAX_LAG_MS \(1000\)/],
    ]
    for (const [env, message] of cases) {
      assert.throws(() => loadConfig({ ...base, ...env }), (error: unknown) => error instanceof ConfigError && message.test(error.message))
    }
  })
})
