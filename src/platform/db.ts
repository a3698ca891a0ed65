import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SQLite from 'better-sqlite3'
import { CamelCasePlugin, Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import type { Generated } from 'kysely'
import pg from 'pg'
import type { DatabaseConfig } from '../config.ts'
import { cachingStatements } from './sqlite-statements.ts'
import { observeCommits } from './commit-observer.ts'
import type { CommitObserver } from './commit-observer.ts'

// Times are whole milliseconds since the epoch in a bigint column: one representation that SQLite and PostgreSQL
// sort, compare and return alike. Flags are 0/1 integers for the same reason (better-sqlite3 cannot bind booleans).
type Millis = number
type Flag = 0 | 1

export type UsersTable = {
  id: Generated<number>
  email: string
  username: string
  firstName: string
  lastName: string
  /** Django's encoded hash (`argon2$...`, `pbkdf2_sha256$...`, or unusable `!...`). */
  password: string
  universityId: number | null
  departmentId: number | null
  userType: number
  isActive: Flag
  isStaff: Flag
  isSuperuser: Flag
  dateJoined: Millis
  lastLogin: Millis | null
  profilePicture: string | null
  /** Tokens issued before this instant are refused (password change, deactivation, ...). */
  tokensValidAfter: Millis
}

export type UniversitiesTable = {
  id: Generated<number>
  name: string
  domain: string
  docUrl: string
  adminId: number | null
  isApproved: Flag
  isBanned: Flag
  createdAt: Millis
}

export type DepartmentsTable = {
  id: Generated<number>
  name: string
  code: string
  universityId: number
}

/** The Django backend's university.Settings, carried over by the Django import (migration 0003). */
export type UniversitySettingsTable = {
  universityId: number
  emailPattern: string
  sidPattern: string
  isRegistrationEnabled: Flag
}

export type OutboxMailsTable = {
  id: Generated<number>
  recipient: string
  subject: string
  textBody: string
  htmlBody: string
  createdAt: Millis
  attempts: number
  nextAttemptAt: Millis
  /** Set while one sender holds the mail, so two instances never send it twice. */
  claimedUntil: Millis | null
  sentAt: Millis | null
  failedAt: Millis | null
  lastError: string | null
}

export type AuthSessionsTable = {
  id: string
  userId: number
  createdAt: Millis
  lastUsedAt: Millis
  expiresAt: Millis
  ip: string | null
  userAgent: string | null
  revokedAt: Millis | null
  /** SHA-256 of the jti of the session's newest refresh token: rotation is a compare-and-set on it. */
  refreshJtiHash: string | null
  /** The refresh token retired last, and when: presented again within REFRESH_TOKEN_REUSE_INTERVAL it is a retry. */
  retiredJtiHash: string | null
  rotatedAt: Millis | null
  /** The login's methods (RFC 8176 `amr`, comma-joined, API.md §12); null for sessions older than second factors: `pwd`. */
  amr: string | null
}

export type RefreshTokensTable = {
  /** SHA-256 of the token's jti: a leaked table cannot be replayed. */
  jtiHash: string
  sessionId: string
  userId: number
  issuedAt: Millis
  expiresAt: Millis
  /** Set when rotation retired this token; presenting it again is reuse. */
  retiredAt: Millis | null
}

export type RevokedTokensTable = {
  jtiHash: string
  expiresAt: Millis
}

/** A rate limit's token bucket (GCRA): `tat` is when it is full again, so a row with `tat` past is as good as none. */
export type RateLimitBucketsTable = {
  key: string
  tat: Millis
}

/** API.md §12: a user's TOTP authenticator, pending until `confirmedAt`; `secret` is encrypted (mfa/secrets.ts). */
export type MfaTotpTable = {
  userId: number
  secret: string
  createdAt: Millis
  confirmedAt: Millis | null
  /** The last RFC 6238 time step accepted: a code of that step or an earlier one is refused. */
  lastUsedStep: number | null
}

export type MfaRecoveryCodesTable = {
  id: Generated<number>
  userId: number
  /** HMAC-SHA-256 of the code, keyed from SECRET_KEY. */
  codeHash: string
  usedAt: Millis | null
}

export type WebauthnCredentialsTable = {
  id: Generated<number>
  userId: number
  credentialId: string
  /** COSE public key, base64url. */
  publicKey: string
  counter: number
  /** Comma-joined transports the browser reported. */
  transports: string
  deviceType: string
  backedUp: Flag
  name: string
  createdAt: Millis
  lastUsedAt: Millis | null
}

export type WebauthnChallengesTable = {
  challenge: string
  purpose: 'register' | 'login'
  userId: number | null
  mfaTokenHash: string | null
  expiresAt: Millis
}

export type MfaTokensTable = {
  tokenHash: string
  userId: number
  passwordStamp: string
  attemptsLeft: number
  expiresAt: Millis
  usedAt: Millis | null
}

/** API.md §13: one security event, append-only; `data` is a JSON object of the keys its type allows. */
export type AuditEventsTable = {
  id: string
  at: Millis
  type: string
  actorId: number | null
  userId: number | null
  universityId: number | null
  ip: string | null
  userAgent: string | null
  sessionId: string | null
  data: string
}

export type WebhookEndpointsTable = {
  id: Generated<number>
  url: string
  /** JSON array of event types, or `["*"]`. */
  events: string
  description: string
  /** The `whsec_` secret, sealed (platform/sealed-secrets.ts). */
  secretSealed: string
  createdAt: Millis
  updatedAt: Millis
}

/** The webhook outbox: one event for one endpoint, claimed and retried like a mail. */
export type WebhookDeliveriesTable = {
  id: Generated<number>
  endpointId: number
  eventId: string
  payload: string
  createdAt: Millis
  attempts: number
  nextAttemptAt: Millis
  claimedUntil: Millis | null
  deliveredAt: Millis | null
  failedAt: Millis | null
  lastStatusCode: number | null
  lastError: string | null
}

export type WebhookAttemptsTable = {
  id: Generated<number>
  deliveryId: number
  at: Millis
  statusCode: number | null
  error: string | null
  durationMs: number
}

/** A relying party of the OpenID Provider (API.md §15). */
export type OidcClientsTable = {
  clientId: string
  name: string
  type: 'confidential' | 'public'
  firstParty: Flag
  /** JSON array of absolute URLs. */
  redirectUris: string
  /** JSON array of absolute URLs. */
  postLogoutRedirectUris: string
  /** SHA-256 (hex) of the secret; null for a public client. */
  secretHash: string | null
  createdAt: Millis
  updatedAt: Millis
}

/** oidc-provider's storage (oidc/adapter.ts): one row per model instance, its payload JSON kept whole. */
export type OidcPayloadsTable = {
  model: string
  id: string
  payload: string
  grantId: string | null
  userCode: string | null
  uid: string | null
  accountId: string | null
  expiresAt: Millis | null
  consumedAt: Millis | null
}

/** The provider's signing keys (API.md §15); the private JWK sealed (oidc/key-seal.ts). */
export type OidcSigningKeysTable = {
  id: Generated<number>
  kid: string
  alg: 'ES256' | 'EdDSA'
  privateJwkSealed: string
  publicJwk: string
  createdAt: Millis
  activeFrom: Millis
  retiredAt: Millis | null
}

export type Database = {
  users: UsersTable
  universities: UniversitiesTable
  departments: DepartmentsTable
  universitySettings: UniversitySettingsTable
  outboxMails: OutboxMailsTable
  authSessions: AuthSessionsTable
  refreshTokens: RefreshTokensTable
  revokedTokens: RevokedTokensTable
  rateLimitBuckets: RateLimitBucketsTable
  mfaTotp: MfaTotpTable
  mfaRecoveryCodes: MfaRecoveryCodesTable
  webauthnCredentials: WebauthnCredentialsTable
  webauthnChallenges: WebauthnChallengesTable
  mfaTokens: MfaTokensTable
  auditEvents: AuditEventsTable
  webhookEndpoints: WebhookEndpointsTable
  webhookDeliveries: WebhookDeliveriesTable
  webhookAttempts: WebhookAttemptsTable
  oidcClients: OidcClientsTable
  oidcPayloads: OidcPayloadsTable
  oidcSigningKeys: OidcSigningKeysTable
}

export type Db = Kysely<Database>

// pg returns bigint (int8) as a string by default; our bigints are epoch milliseconds, well inside 2^53.
pg.types.setTypeParser(20, (value) => Number(value))

const observers = new WeakMap<Db, CommitObserver>()

/** Commits that changed what the session cache keeps, on a PostgreSQL database opened here (commit-observer.ts). */
export function commitObserverOf(db: Db): CommitObserver | undefined {
  return observers.get(db)
}

/** Opens the database the config names, with the pragmas SQLite needs to behave like a server database. */
export function openDatabase(config: DatabaseConfig): Db {
  const plugins = [new CamelCasePlugin()]
  if (config.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: config.url, max: 10 })
    // An idle connection the server drops (a restart, pg_terminate_backend, DROP DATABASE ... FORCE, even while the
    // pool is ending) is an 'error' event on the pool, which would crash the process unheard. pg has already removed
    // that client and the next query opens a new one; a query that was running fails on its own.
    pool.on('error', () => {})
    const { dialect, observer } = observeCommits(new PostgresDialect({ pool }))
    const db = new Kysely<Database>({ dialect, plugins })
    observers.set(db, observer)
    return db
  }
  if (config.file !== ':memory:') mkdirSync(dirname(config.file), { recursive: true })
  const sqlite = new SQLite(config.file)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = NORMAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }), plugins })
}

export type UniqueViolation = { constraint: string }

/** Recognises a unique-constraint violation in either dialect and names the constraint (or column list). */
export function asUniqueViolation(error: unknown): UniqueViolation | null {
  if (typeof error !== 'object' || error === null) return null
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown }
  if (e.code === '23505' && typeof e.constraint === 'string') return { constraint: e.constraint }
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // SQLite names the columns, not the index: "UNIQUE constraint failed: users.email"
    const match = /constraint failed: (.+)$/.exec(String(e.message))
    return { constraint: match?.[1] ?? '' }
  }
  return null
}
