import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { createLinkTokens } from '../../src/links/link-token.ts'
import type { LinkPurpose, LinkTokenUser } from '../../src/links/link-token.ts'

// Tokens made by Django's PasswordResetTokenGenerator with its default key salt, i.e. what Djoser mailed in both
// activation and reset links (scripts/fixtures/make-django-vectors.py).
type TokenVectors = {
  secretKey: string
  users: { id: number; password: string; lastLogin: string | null; email: string }[]
  make: { userIndex: number; purpose: LinkPurpose; timestamp: number; token: string }[]
}
const { tokens: vectors } = JSON.parse(
  readFileSync(new URL('../fixtures/django-vectors.json', import.meta.url), 'utf8'),
) as { tokens: TokenVectors }

const links = createLinkTokens(vectors.secretKey)
const EPOCH_2001 = Date.UTC(2001, 0, 1)
const NOW = new Date('2024-05-01T12:00:00Z')
const NOW_SECONDS = (NOW.getTime() - EPOCH_2001) / 1000

const djangoUser = (index: number, extra: Partial<LinkTokenUser>): LinkTokenUser => {
  const u = vectors.users[index] as TokenVectors['users'][number]
  return { ...u, lastLogin: u.lastLogin === null ? null : new Date(u.lastLogin), ...extra }
}
const djangoToken = (index: number, timestamp = NOW_SECONDS): string =>
  (vectors.make.find((m) => m.userIndex === index && m.purpose === 'password_reset' && m.timestamp === timestamp) as TokenVectors['make'][number]).token

void test('When a Django-made activation link names a user who never logged in, then activation accepts it', () => {
  const pending = djangoUser(0, { tokensValidAfter: 0 })
  assert.equal(links.check(pending, 'activation', djangoToken(0), NOW), true)
  assert.equal(links.check(pending, 'password_reset', djangoToken(0), NOW), true, 'still a reset token too, as in Django')
})

void test('When the inactive user has logged in before (a deactivated account), then an old reset link cannot activate it', () => {
  const deactivated = djangoUser(1, {})
  assert.equal(links.check(deactivated, 'password_reset', djangoToken(1), NOW), true, 'control: the token itself is valid')
  assert.equal(links.check(deactivated, 'activation', djangoToken(1), NOW), false)
})

void test('When the user was deactivated or changed credentials after the link was made, then it cannot activate', () => {
  const minted = EPOCH_2001 + NOW_SECONDS * 1000
  assert.equal(links.check(djangoUser(0, { tokensValidAfter: minted }), 'activation', djangoToken(0), NOW), true)
  assert.equal(links.check(djangoUser(0, { tokensValidAfter: minted + 1000 }), 'activation', djangoToken(0), NOW), false)
})

void test('When a Django-made activation link is older than the link timeout, then it is refused like any other', () => {
  const pending = djangoUser(0, {})
  assert.equal(links.check(pending, 'activation', djangoToken(0, NOW_SECONDS - 259200), NOW), true, 'exactly at the timeout')
  assert.equal(links.check(pending, 'activation', djangoToken(0, NOW_SECONDS - 259201), NOW), false)
})

void test('When a token was made here for activation, then it never opens a password reset or email reset', () => {
  const pending = djangoUser(0, {})
  const ours = links.make(pending, 'activation', NOW)
  assert.equal(links.check(pending, 'activation', ours, NOW), true)
  assert.equal(links.check(pending, 'password_reset', ours, NOW), false)
  assert.equal(links.check(pending, 'email_reset', ours, NOW), false)
  assert.equal(links.check(pending, 'email_reset', djangoToken(0), NOW), false, 'the legacy path is for activation only')
})
