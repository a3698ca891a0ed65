import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const base = { SECRET_KEY: 'k'.repeat(40) }

describe('ALLOWED_HOSTS (API.md §1)', () => {
  it('When it is not set, then the loopback names and the host of DOMAIN (without its port) are allowed', () => {
    assert.deepEqual(loadConfig(base).allowedHosts, ['localhost', '127.0.0.1', '[::1]'])
    assert.deepEqual(loadConfig({ ...base, DOMAIN: 'UniLink.Example.org:8443' }).allowedHosts, ['localhost', '127.0.0.1', '[::1]', 'unilink.example.org'])
  })

  it('When it is set, then exactly its comma-separated names are allowed, spaces trimmed', () => {
    assert.deepEqual(loadConfig({ ...base, ALLOWED_HOSTS: ' .example.edu , api.example.org ', DOMAIN: 'web.example.org' }).allowedHosts,
      ['.example.edu', 'api.example.org'])
    assert.deepEqual(loadConfig({ ...base, ALLOWED_HOSTS: '*' }).allowedHosts, ['*'])
  })

  it('When it names no host at all, then start-up stops and names the variable', () => {
    assert.throws(() => loadConfig({ ...base, ALLOWED_HOSTS: ' , ' }), (error: unknown) =>
      error instanceof ConfigError && error.message.includes('ALLOWED_HOSTS'))
  })
})
