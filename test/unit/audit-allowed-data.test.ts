import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { AUDIT_DATA_KEYS, AUDIT_TYPES, allowedData } from '../../src/audit/event-types.ts'

describe('The audit data allow-list (src/audit/event-types.ts)', () => {
  it('When a caller passes keys its type does not allow, then they are dropped, whatever they hold', () => {
    const data = allowedData('login.failed', {
      reason: 'bad_credentials', email: 'a@example.com', password: 'hunter2-Secret', token: 'eyJ.x.y', hash: 'argon2$...', method: 'password',
    })
    assert.deepEqual(data, { reason: 'bad_credentials', email: 'a@example.com', method: 'password' })
    assert.deepEqual(allowedData('password.reset', { token: 'abc', uid: 'NQ' }), {})
    assert.deepEqual(allowedData('user.registered', undefined), {})
  })

  it('When a value is not a plain scalar or list of scalars, then it is dropped; long strings are cut', () => {
    const data = allowedData('user.updated', { fields: ['first_name', { secret: 'x' }], via: { nested: true } })
    assert.deepEqual(data, {})
    assert.deepEqual(allowedData('user.updated', { fields: ['first_name', 'last_name'], via: 'x'.repeat(500) }), {
      fields: ['first_name', 'last_name'], via: 'x'.repeat(200),
    })
    assert.deepEqual(allowedData('recovery_code.used', { remaining: Number.NaN }), {})
  })

  it('When the types are listed, then they are exactly those of API.md §13, and no allowed key names a secret', () => {
    const contract = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8')
    const sentence = /Types: ([^]*?)\n- \*\*GET/.exec(contract)?.[1] ?? ''
    const named = [...sentence.matchAll(/`([a-z_]+\.[a-z_]+)`/g)].map((m) => m[1]).filter((t) => !t?.startsWith('data.'))
    assert.equal(named.length, 30)
    assert.deepEqual(AUDIT_TYPES, named)
    const keys = Object.values(AUDIT_DATA_KEYS).flat() as string[]
    assert.deepEqual(keys.filter((k) => /password|token|secret|hash|otp/.test(k)), [])
    // A department's code (PHY) is its short name; a `code` key anywhere else would be a second factor's.
    const withCode = Object.entries(AUDIT_DATA_KEYS).filter(([, allowed]) => (allowed as readonly string[]).some((k) => k.includes('code')))
    assert.deepEqual(withCode.map(([type]) => type), ['department.created', 'department.deleted'])
  })
})
