import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/**
 * Secrets the service must use again (a webhook's signing secret), stored so that a copy of the database alone does
 * not give them away: AES-256-GCM under a key derived from SECRET_KEY by HKDF-SHA256, one key per `purpose`, so a
 * sealed value of one kind never opens as another. Rotating SECRET_KEY makes them unreadable: such secrets are rotated too.
 */
export function createSealedSecrets(secretKey: string, purpose: string) {
  const key = Buffer.from(hkdfSync('sha256', secretKey, 'unilink-accounts sealed secrets', purpose, 32))
  return {
    /** `v1.` and base64url of nonce, tag and ciphertext. */
    seal(plain: string): string {
      const nonce = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, nonce)
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return `v1.${Buffer.concat([nonce, cipher.getAuthTag(), sealed]).toString('base64url')}`
    },
    /** Throws when the value was not sealed with this key and purpose (or was altered). */
    open(sealed: string): string {
      if (!sealed.startsWith('v1.')) throw new Error('unknown sealed-secret format')
      const bytes = Buffer.from(sealed.slice(3), 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12))
      decipher.setAuthTag(bytes.subarray(12, 28))
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')
    },
  }
}

export type SealedSecrets = ReturnType<typeof createSealedSecrets>
