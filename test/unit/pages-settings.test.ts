import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfig } from '../../src/config.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'
import { loginPath, safeNext } from '../../src/pages/next-path.ts'

const base = { SECRET_KEY: 'k'.repeat(40) }

describe('ADMIN_REAUTH_SECONDS (API.md §14)', () => {
  it('When it is not set, then the admin pages want a sign-in at most 15 minutes old', () => {
    assert.equal(loadConfig(base).adminReauthSeconds, 900)
    assert.equal(loadConfig({ ...base, ADMIN_REAUTH_SECONDS: '300' }).adminReauthSeconds, 300)
  })

  it('When it is not a positive whole number, then start-up stops and names the variable', () => {
    for (const value of ['0', '-5', 'soon', '1.5']) {
      assert.throws(() => loadConfig({ ...base, ADMIN_REAUTH_SECONDS: value }), (error: unknown) =>
        error instanceof ConfigError && error.message.includes('ADMIN_REAUTH_SECONDS'), value)
    }
  })
})

describe('next= of the sign-in page (API.md §14)', () => {
  it('When next names a path of this service, then it is kept with its query and fragment', () => {
    assert.equal(safeNext('/admin/users/?q=ada#list'), '/admin/users/?q=ada#list')
    assert.equal(safeNext('/account/../admin/'), '/admin/')
  })

  it('When next would leave this origin or is not a path, then /account/ is used instead', () => {
    for (const value of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', 'account/', '/\tx', '', undefined, 42]) {
      assert.equal(safeNext(value), '/account/', String(value))
    }
  })

  it('When the sign-in page is asked for again by the admin console, then next and reauth travel in its query string', () => {
    assert.equal(loginPath('/admin/users/?q=ada'), '/login/?next=%2Fadmin%2Fusers%2F%3Fq%3Dada')
    assert.equal(loginPath('//evil.example', true), '/login/?next=%2Faccount%2F&reauth=1')
  })
})

describe('PASSWORD_RESET_CONFIRM_URL (Djoser\'s setting, API.md §7, §14)', () => {
  it('When it is not set, then reset links are the contract\'s nl/password-reset/{uid}/{token}; a value with both placeholders is kept', () => {
    assert.equal(loadConfig(base).passwordResetConfirmUrl, 'nl/password-reset/{uid}/{token}')
    assert.equal(loadConfig({ ...base, PASSWORD_RESET_CONFIRM_URL: 'login/reset/{uid}/{token}/' }).passwordResetConfirmUrl, 'login/reset/{uid}/{token}/')
  })

  it('When it lacks a placeholder or is not a path after the domain, then start-up stops and names the variable', () => {
    for (const value of ['login/reset/{uid}/', 'reset/{token}', '/login/reset/{uid}/{token}/', 'https://x.example/{uid}/{token}']) {
      assert.throws(() => loadConfig({ ...base, PASSWORD_RESET_CONFIRM_URL: value }), (error: unknown) =>
        error instanceof ConfigError && error.message.includes('PASSWORD_RESET_CONFIRM_URL'), value)
    }
  })
})
