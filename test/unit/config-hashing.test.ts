import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { availableParallelism } from 'node:os'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const base = { SECRET_KEY: 'k'.repeat(40) }

describe('Password hashing settings (ARGON2_*)', () => {
  it('When nothing is set, then argon2id runs at OWASP\'s minimum and hashes on every core but one', () => {
    const config = loadConfig(base)
    assert.deepEqual(config.passwordHashing, { memoryCost: 19456, timeCost: 2, parallelism: 1 })
    assert.equal(config.passwordHashConcurrency, Math.max(1, availableParallelism() - 1))
  })

  it('When ARGON2_CONCURRENCY is a whole number from 1 to 64, then that many hashes run at once', () => {
    assert.equal(loadConfig({ ...base, ARGON2_CONCURRENCY: '3' }).passwordHashConcurrency, 3)
    assert.equal(loadConfig({ ...base, ARGON2_CONCURRENCY: '1' }).passwordHashConcurrency, 1)
  })

  it('When ARGON2_CONCURRENCY is zero, too large or not a number, then start-up stops and names the variable', () => {
    for (const value of ['0', '65', 'two', '1.5']) {
      assert.throws(() => loadConfig({ ...base, ARGON2_CONCURRENCY: value }), (error: unknown) =>
        error instanceof ConfigError && error.message.includes('ARGON2_CONCURRENCY'), value)
    }
  })
})
