import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Development convenience: a key generated on first start and reused, so that tokens and mailed links survive
 * restarts of `npm start` on a fresh machine. Written with `wx` so two processes never overwrite each other's key,
 * and readable only by its owner.
 */
export function readOrCreateSecretKey(dataDir: string): { key: string; created: boolean } {
  const file = join(dataDir, 'secret_key')
  try {
    return { key: readFileSync(file, 'utf8').trim(), created: false }
  } catch {
    mkdirSync(dataDir, { recursive: true })
    const key = randomBytes(48).toString('base64url')
    try {
      writeFileSync(file, key + '\n', { flag: 'wx', mode: 0o600 })
      return { key, created: true }
    } catch {
      return { key: readFileSync(file, 'utf8').trim(), created: false }
    }
  }
}
