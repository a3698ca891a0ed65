import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { SignJWT } from 'jose'
import { parseDatabaseUrl } from '../../src/config.ts'
import { openDatabase } from '../../src/platform/db.ts'
import { createMigrator } from '../../src/platform/migrate.ts'
import { TEST_SECRET_KEY, startServer } from '../helpers/server.ts'
import { createTestDatabase } from '../helpers/database.ts'
import { client } from '../helpers/http.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/** A refresh token of ours (with `sid`), as a release before migration 0004 signed it. */
function refreshToken(userId: number, sid: string, jti: string) {
  const iat = Math.floor(Date.now() / 1000)
  return new SignJWT({ token_type: 'refresh', exp: iat + 86400, iat, jti, user_id: userId, sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(TEST_SECRET_KEY))
}

describe('Migration 0004 on a database with live sessions', () => {
  it('When a session opened before the upgrade is refreshed after it, then its newest token rotates and a retired one is reuse', async () => {
    const database = await createTestDatabase()
    const db = openDatabase(parseDatabaseUrl(database.url, database.dataDir))
    const [newest, retired] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')]
    try {
      const { error } = await createMigrator(db).migrateTo('0003_university_settings')
      assert.equal(error, undefined)
      await sql`INSERT INTO users (email, username, first_name, last_name, password, is_active, date_joined)
        VALUES ('old.session@example.com', 'oldsession', 'Old', 'Session', '!', 1, 0)`.execute(db)
      const { id } = await db.selectFrom('users').select('id').executeTakeFirstOrThrow()
      const now = Date.now()
      await sql`INSERT INTO auth_sessions (id, user_id, created_at, last_used_at, expires_at)
        VALUES ('old-session', ${id}, ${now}, ${now}, ${now + 86_400_000})`.execute(db)
      await sql`INSERT INTO refresh_tokens (jti_hash, session_id, user_id, issued_at, expires_at, retired_at) VALUES
        (${sha256(retired)}, 'old-session', ${id}, ${now - 1000}, ${now + 86_400_000}, ${now - 500}),
        (${sha256(newest)}, 'old-session', ${id}, ${now - 500}, ${now + 86_400_000}, NULL)`.execute(db)
    } finally {
      await db.destroy()
    }

    const server = await startServer({}, { database })
    try {
      const api = client(server.base)
      const { id } = await server.db.selectFrom('users').select('id').executeTakeFirstOrThrow()
      const rotated = await api.post('/api/jwt/refresh/', { refresh: await refreshToken(id, 'old-session', newest) })
      assert.equal(rotated.status, 200)
      const { access, refresh } = rotated.body as { access: string; refresh: string }
      assert.equal((await api.get('/api/users/me/', { bearer: access })).status, 200)
      // The token retired before the upgrade is not the one retired last: a reuse, which ends the session.
      const reuse = await api.post('/api/jwt/refresh/', { refresh: await refreshToken(id, 'old-session', retired) })
      assert.equal(reuse.status, 401)
      assert.deepEqual(reuse.body, { detail: 'Token is blacklisted', code: 'token_not_valid' })
      assert.equal((await api.post('/api/jwt/refresh/', { refresh })).status, 401)
    } finally {
      await server.close()
    }
  })
})
