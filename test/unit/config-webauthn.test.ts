import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const base = { SECRET_KEY: 'k'.repeat(40) }

const failsOn = (variable: string, pattern: RegExp) => (error: unknown) =>
  error instanceof ConfigError && error.variable === variable && pattern.test(error.message) && !error.message.includes('\n')

describe('WEBAUTHN_* and MFA_REQUIRED_USER_TYPES (API.md §12)', () => {
  it('When nothing is set, then the RP is the host of DOMAIN named SITE_NAME, and the origins those under it', () => {
    assert.deepEqual(loadConfig(base).webauthn, { rpId: 'localhost', rpName: 'UniLink', origins: ['http://localhost:3000'] })
    const config = loadConfig({
      ...base, DOMAIN: 'accounts.uni.example:8443', PROTOCOL: 'https', SITE_NAME: 'Uni',
      CORS_ALLOWED_ORIGINS: 'https://app.accounts.uni.example,https://other.example',
    })
    assert.deepEqual(config.webauthn, {
      rpId: 'accounts.uni.example', rpName: 'Uni', origins: ['https://accounts.uni.example:8443', 'https://app.accounts.uni.example'],
    })
    assert.deepEqual(config.mfaRequiredUserTypes, [])
  })

  it('When they are set, then the RP ID, name and origins are those; an origin under a parent RP ID is fine', () => {
    const config = loadConfig({
      ...base, WEBAUTHN_RP_ID: 'Uni.Example', WEBAUTHN_RP_NAME: 'University', WEBAUTHN_ORIGINS: 'https://uni.example, https://login.uni.example/',
    })
    assert.deepEqual(config.webauthn, { rpId: 'uni.example', rpName: 'University', origins: ['https://uni.example', 'https://login.uni.example'] })
  })

  it('When an origin is not under the RP ID, or is no origin, then the start stops with one line naming WEBAUTHN_ORIGINS', () => {
    assert.throws(() => loadConfig({ ...base, WEBAUTHN_RP_ID: 'uni.example', WEBAUTHN_ORIGINS: 'https://evil.example' }),
      failsOn('WEBAUTHN_ORIGINS', /https:\/\/evil\.example, whose host is not WEBAUTHN_RP_ID \(uni\.example\)/))
    assert.throws(() => loadConfig({ ...base, WEBAUTHN_RP_ID: 'uni.example', WEBAUTHN_ORIGINS: 'https://notuni.example' }),
      failsOn('WEBAUTHN_ORIGINS', /not WEBAUTHN_RP_ID/))
    for (const origin of ['uni.example', 'ftp://uni.example', 'https://uni.example/path', 'https://']) {
      assert.throws(() => loadConfig({ ...base, WEBAUTHN_RP_ID: 'uni.example', WEBAUTHN_ORIGINS: origin }), failsOn('WEBAUTHN_ORIGINS', /origins such as/), origin)
    }
    for (const rpId of ['https://uni.example', 'uni.example:443', '.uni.example']) {
      assert.throws(() => loadConfig({ ...base, WEBAUTHN_RP_ID: rpId }), failsOn('WEBAUTHN_RP_ID', /host name/), rpId)
    }
  })

  it('When MFA_REQUIRED_USER_TYPES lists types, then they are kept; anything but 0 to 5 stops the start', () => {
    assert.deepEqual(loadConfig({ ...base, MFA_REQUIRED_USER_TYPES: '0, 1,3,1' }).mfaRequiredUserTypes, [0, 1, 3])
    for (const value of ['6', 'admin', '-1', '1.5']) {
      assert.throws(() => loadConfig({ ...base, MFA_REQUIRED_USER_TYPES: value }), failsOn('MFA_REQUIRED_USER_TYPES', /user types 0 to 5/), value)
    }
  })
})
