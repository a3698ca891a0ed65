import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const base = { SECRET_KEY: 'k'.repeat(40) }

describe('OIDC_ISSUER (API.md §15)', () => {
  it('When it is not set, then the issuer is http://{HOST}:{PORT}, with a warning only in production', () => {
    const dev = loadConfig({ ...base, HOST: '127.0.0.1', PORT: '8010' })
    assert.equal(dev.oidc.issuer, 'http://127.0.0.1:8010')
    assert.ok(!dev.warnings.some((w) => w.includes('OIDC_ISSUER')))
    const prod = loadConfig({ ...base, NODE_ENV: 'production', PORT: '8010' })
    assert.ok(prod.warnings.includes("OIDC_ISSUER is not set: using http://127.0.0.1:8010. Set it to the service's public URL."))
  })

  it('When it is an origin, then it is the issuer (a trailing slash dropped) and its host joins ALLOWED_HOSTS\' default', () => {
    const config = loadConfig({ ...base, OIDC_ISSUER: 'https://Accounts.Example.edu/' })
    assert.equal(config.oidc.issuer, 'https://accounts.example.edu')
    assert.deepEqual(config.allowedHosts, ['localhost', '127.0.0.1', '[::1]', 'accounts.example.edu'])
  })

  it('When it has a path, query or fragment, or is no http(s) URL, then start-up stops and names the variable', () => {
    for (const value of ['https://example.edu/accounts', 'https://example.edu?x=1', 'https://example.edu#top', 'ftp://example.edu', 'nope']) {
      assert.throws(() => loadConfig({ ...base, OIDC_ISSUER: value }), (error: unknown) =>
        error instanceof ConfigError && error.message.includes('OIDC_ISSUER'), value)
    }
  })
})
