import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * A client_id: 16 random bytes, URL-safe; not a secret, but unguessable so clients cannot be enumerated. Never one
 * that starts with `-`: `npm run cli -- oidc clients remove <id>` would read it as an option (seen: 1 id in 64).
 */
export function newClientId(): string {
  let id: string
  do id = randomBytes(16).toString('base64url')
  while (id.startsWith('-'))
  return id
}

/** A client secret: 32 random bytes (256 bits), shown once. */
export function newClientSecret(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * Stored as SHA-256, not argon2: the secret is 256 random bits, so no dictionary or brute force can reach it and a
 * slow hash would add nothing but its cost on every token, introspection and revocation request.
 */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

export function clientSecretMatches(secret: string, storedHash: string | null): boolean {
  if (storedHash === null) return false
  const actual = Buffer.from(hashClientSecret(secret), 'hex')
  const expected = Buffer.from(storedHash, 'hex')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
