import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, randomInt } from 'node:crypto'

// The secrets of API.md §12, with node:crypto only: TOTP secrets encrypted at rest, recovery codes and mfa_tokens
// hashed. Each use has its own key, derived from SECRET_KEY by HKDF with a purpose label, so one key never serves two ends.

const LABELS = {
  totp: 'unilink-accounts/mfa/totp-secret/v1',
  recovery: 'unilink-accounts/mfa/recovery-code/v1',
  stamp: 'unilink-accounts/mfa/password-stamp/v1',
} as const

// Without I, L, O, U, 0, 1: a code read off paper is not mistyped.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstvwxyz23456789'
export const RECOVERY_CODE_COUNT = 10

export function createMfaSecrets(secretKey: string) {
  const keyOf = (label: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secretKey, 'utf8'), Buffer.alloc(0), label, 32))
  const totpKey = keyOf(LABELS.totp)
  const recoveryKey = keyOf(LABELS.recovery)
  const stampKey = keyOf(LABELS.stamp)

  return {
    /** AES-256-GCM, `v1.<iv>.<ciphertext>.<tag>` in base64url; the user id is the associated data, so a row copied to another user does not decrypt. */
    encryptTotpSecret(userId: number, secret: string): string {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', totpKey, iv)
      cipher.setAAD(Buffer.from(`totp:${userId}`))
      const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
      return ['v1', iv, body, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.')
    },

    decryptTotpSecret(userId: number, stored: string): string {
      const [version, iv = '', body = '', tag = ''] = stored.split('.')
      if (version !== 'v1') throw new Error('unknown TOTP secret format')
      const decipher = createDecipheriv('aes-256-gcm', totpKey, Buffer.from(iv, 'base64url'))
      decipher.setAAD(Buffer.from(`totp:${userId}`))
      decipher.setAuthTag(Buffer.from(tag, 'base64url'))
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8')
    },

    /** Ten fresh codes `xxxx-xxxx` (about 39 bits each), shown once. */
    newRecoveryCodes(): string[] {
      const char = () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)] ?? ''
      const group = () => Array.from({ length: 4 }, char).join('')
      return Array.from({ length: RECOVERY_CODE_COUNT }, () => `${group()}-${group()}`)
    },

    /**
     * A fast keyed hash is enough: the codes are random, not chosen, so there is no dictionary to slow down, and the
     * key (from SECRET_KEY) keeps a leaked table from being searched at all. Case, spaces and dashes do not matter.
     */
    hashRecoveryCode(code: string): string {
      return createHmac('sha256', recoveryKey).update(code.toLowerCase().replace(/[\s-]/g, '')).digest('hex')
    },

    /** Binds an mfa_token to the password check that produced it: another password, or a revocation since, changes it. */
    passwordStamp(user: { id: number; password: string; tokensValidAfter: number }): string {
      return createHmac('sha256', stampKey).update(`${user.id}\n${user.password}\n${user.tokensValidAfter}`).digest('hex')
    },
  }
}

export type MfaSecrets = ReturnType<typeof createMfaSecrets>

/** An opaque token (32 random bytes) and the hash stored in its place. */
export function newOpaqueToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashOpaqueToken(token) }
}

export function hashOpaqueToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}
