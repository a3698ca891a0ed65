import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import type { Argon2Cost } from './platform/password-hashing.ts'
import { parseRateLimitRules } from './throttling/rules.ts'
import type { RateLimitRule, RateLimitScope } from './throttling/rules.ts'
import { readOrCreateSecretKey } from './platform/secret-key-file.ts'
import { domainOfHost } from './platform/http/allowed-hosts.ts'
import { parseUserTypes, parseWebauthn } from './platform/webauthn-config.ts'
import { parseOidcIssuer } from './platform/oidc-config.ts'
import {
  ConfigError, bool, csv, int, oneOf, optionalString, seconds, string,
} from './platform/env-parsers.ts'

export type DatabaseConfig = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string }
/**
 * How the session cache of each instance hears of revocations on PostgreSQL (tokens/session-lookup.ts). PostgreSQL's
 * LISTEN/NOTIFY is the primary channel: migration 0006's triggers notify inside the revoking transaction, so a notice
 * exists exactly when the change committed, whoever made it (the CLI, psql, the Django import), and arrives in commit
 * order, which the heartbeat's argument needs. Redis pub/sub is for deployments where LISTEN cannot work (DATABASE_URL
 * through a transaction-pooling proxy with no direct URL for DATABASE_LISTEN_URL): its notices are published by this
 * service after commit, so a change made elsewhere, or lost in a crash between commit and publish, waits out the
 * cache's 30 s expiry.
 */
export type RevocationConfig = {
  channel: { kind: 'postgres' } | { kind: 'redis'; url: string; keyPrefix: string }
  /** A direct connection for LISTEN when DATABASE_URL goes through a proxy that cannot keep one; DATABASE_URL when absent. */
  listenUrl: string | undefined
  heartbeatMs: number
  maxLagMs: number
}
export type SameSite = 'Lax' | 'Strict' | 'None'

export type Config = {
  production: boolean
  debug: boolean
  host: string
  port: number
  secretKey: string
  dataDir: string
  database: DatabaseConfig
  domain: string
  protocol: 'http' | 'https'
  siteName: string
  /**
   * Djoser's PASSWORD_RESET_CONFIRM_URL: the path (after `{PROTOCOL}://{DOMAIN}/`) of mailed password-reset and
   * set-password links, `{uid}` and `{token}` filled in. `login/reset/{uid}/{token}/` points them at the hosted page.
   */
  passwordResetConfirmUrl: string
  email: {
    backend: 'console' | 'smtp'
    host: string | undefined
    port: number
    user: string | undefined
    password: string | undefined
    useTls: boolean
    from: string
    outboxDir: string
    /** An operator's folder of mail templates overriding ours (templates/mail/), file by file. */
    templatesDir: string | undefined
    /** Seconds between polls of the outbox table for due mail. */
    pollInterval: number
    /** First retry delay of a failed mail; each further retry doubles it (capped at 15 minutes). */
    retryBaseMs: number
    maxAttempts: number
  }
  /** Django's ALLOWED_HOSTS: the Host values the service answers (API.md §1). */
  allowedHosts: readonly string[]
  corsAllowedOrigins: readonly string[]
  cookies: { secure: boolean; sameSite: SameSite; maxAge: number }
  accessTokenLifetime: number
  refreshTokenLifetime: number
  rotateRefreshTokens: boolean
  /** Seconds during which the refresh token retired last still refreshes its session (API.md §11); 0: never. */
  refreshTokenReuseInterval: number
  passwordHashing: Argon2Cost
  /** Password hashes computed at once (the others wait); by default one core is left to the event loop. */
  passwordHashConcurrency: number
  logLevel: string
  rateLimit: { enabled: boolean; rules: Record<RateLimitScope, RateLimitRule> }
  /** Proxies whose X-Forwarded-For is believed (IPs or CIDRs); none by default. */
  trustedProxies: readonly string[]
  /** Shared rate-limit counters across instances; the database is used when absent. */
  redisUrl: string | undefined
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined
  revocation: RevocationConfig
  /** Prefix of every key this service writes to Redis, so several services (or test runs) can share one. */
  redisKeyPrefix: string
  /** The admin pages (/admin/) want a sign-in at most this many seconds old (API.md §14). */
  adminReauthSeconds: number
  /** Passkeys (API.md §12): the relying party and the origins whose ceremonies are accepted; never from a request's Host. */
  webauthn: { rpId: string; rpName: string; origins: readonly string[] }
  /** User types that must enrol a second factor before the role-gated routes of API.md §8 answer them. */
  mfaRequiredUserTypes: readonly number[]
  /** Audit events older than this many days are pruned (API.md §13). */
  auditRetentionDays: number
  /** A rotated OIDC signing key is published this long before it signs (API.md §15), so relying parties' JWKS caches know it. */
  oidcKeyPrepublishSeconds: number
  webhooks: {
    /** First retry of a failed delivery after about this long (with jitter), doubling, for 24 hours (API.md §13). */
    retryBaseMs: number
    /** Development and tests only: http:// URLs, and URLs that resolve to loopback or private addresses. */
    allowHttp: boolean
    allowPrivate: boolean
  }
  /** The OpenID Provider (API.md §15): its issuer, the public URL relying parties see (no trailing slash). */
  oidc: { issuer: string }
  /** Things worth a warning line at start-up (computed here, logged by the server). */
  warnings: readonly string[]
}

type Env = Record<string, string | undefined>

/** Reads `.env.local` (if present) under the real environment, which wins. */
export function readEnvironment(env: Env = process.env, cwd = process.cwd()): Env {
  const file = resolve(cwd, '.env.local')
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {}
  return { ...fromFile, ...env }
}

/** A mailed link's path: relative to `{PROTOCOL}://{DOMAIN}/`, with both placeholders (else every link would be dead). */
function parseLinkPath(env: Env, name: string, fallback: string): string {
  const value = string(env, name, fallback)
  if (!value.includes('{uid}') || !value.includes('{token}')) throw new ConfigError(name, 'must contain {uid} and {token}')
  if (value.startsWith('/') || value.includes('://')) throw new ConfigError(name, 'is a path after {PROTOCOL}://{DOMAIN}/, without a leading /')
  return value
}

/**
 * Parses the environment once into a frozen, typed object. Throws ConfigError with one line naming the
 * variable on any bad value; see `.env.example` for every variable.
 */
export function loadConfig(env: Env): Readonly<Config> {
  const warnings: string[] = []
  const production = env.NODE_ENV === 'production'
  const dataDir = resolve(string(env, 'DATA_DIR', './data'))
  const secretKey = resolveSecretKey(env, production, dataDir, warnings)
  const emailHost = optionalString(env, 'EMAIL_HOST')
  const backend = oneOf(env, 'EMAIL_BACKEND', ['console', 'smtp'] as const, emailHost ? 'smtp' : 'console')
  if (backend === 'smtp' && !emailHost) throw new ConfigError('EMAIL_HOST', 'is required when EMAIL_BACKEND=smtp')
  const cookies = parseCookies(env, warnings)
  const domain = string(env, 'DOMAIN', 'localhost:3000')
  const protocol = oneOf(env, 'PROTOCOL', ['http', 'https'] as const, 'http')
  const siteName = string(env, 'SITE_NAME', 'UniLink')
  const corsAllowedOrigins = csv(env, 'CORS_ALLOWED_ORIGINS', ['http://localhost:3000', 'http://127.0.0.1:3000'])
  const host = string(env, 'HOST', '127.0.0.1')
  const port = int(env, 'PORT', 8000, { min: 0, max: 65535 })
  const oidc = { issuer: parseOidcIssuer(env, { host, port, production }, warnings) }
  const config: Config = {
    production,
    debug: bool(env, 'DEBUG', false),
    host,
    port,
    secretKey,
    dataDir,
    database: parseDatabaseUrl(env.DATABASE_URL, dataDir),
    domain,
    protocol,
    siteName,
    passwordResetConfirmUrl: parseLinkPath(env, 'PASSWORD_RESET_CONFIRM_URL', 'nl/password-reset/{uid}/{token}'),
    email: {
      backend,
      host: emailHost,
      port: int(env, 'EMAIL_PORT', 25, { min: 1, max: 65535 }),
      user: optionalString(env, 'EMAIL_HOST_USER'),
      password: optionalString(env, 'EMAIL_HOST_PASSWORD'),
      useTls: bool(env, 'EMAIL_USE_TLS', false),
      from: string(env, 'DEFAULT_FROM_EMAIL', 'webmaster@localhost'),
      outboxDir: resolve(string(env, 'EMAIL_OUTBOX_DIR', resolve(dataDir, 'outbox'))),
      templatesDir: optionalPath(env, 'EMAIL_TEMPLATES_DIR'),
      pollInterval: seconds(env, 'EMAIL_POLL_INTERVAL', 2),
      retryBaseMs: seconds(env, 'EMAIL_RETRY_BASE_SECONDS', 5) * 1000,
      maxAttempts: int(env, 'EMAIL_MAX_ATTEMPTS', 20, { min: 1, max: 1000 }),
    },
    allowedHosts: parseAllowedHosts(env, domain, oidc.issuer),
    corsAllowedOrigins,
    cookies,
    accessTokenLifetime: seconds(env, 'ACCESS_TOKEN_LIFETIME', 300),
    refreshTokenLifetime: seconds(env, 'REFRESH_TOKEN_LIFETIME', 86400),
    rotateRefreshTokens: bool(env, 'ROTATE_REFRESH_TOKENS', true),
    refreshTokenReuseInterval: int(env, 'REFRESH_TOKEN_REUSE_INTERVAL', 10, { min: 0, max: 3600 }),
    // OWASP's minimum for argon2id is m=19 MiB, t=2, p=1; the defaults sit at it.
    passwordHashing: {
      memoryCost: int(env, 'ARGON2_MEMORY_KIB', 19456, { min: 8, max: 4_194_304 }),
      timeCost: int(env, 'ARGON2_TIME_COST', 2, { min: 1, max: 100 }),
      parallelism: int(env, 'ARGON2_PARALLELISM', 1, { min: 1, max: 64 }),
    },
    passwordHashConcurrency: int(env, 'ARGON2_CONCURRENCY', Math.max(1, availableParallelism() - 1), { min: 1, max: 64 }),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    rateLimit: { enabled: bool(env, 'RATE_LIMIT', true), rules: parseRateLimitRules(env) },
    trustedProxies: csv(env, 'TRUSTED_PROXIES', []),
    redisUrl: parseRedisUrl(env),
    redisKeyPrefix: string(env, 'REDIS_KEY_PREFIX', 'unilink-accounts:'),
    metricsToken: optionalString(env, 'METRICS_TOKEN'),
    adminReauthSeconds: seconds(env, 'ADMIN_REAUTH_SECONDS', 900),
    webauthn: parseWebauthn(env, { domain, protocol, siteName, corsAllowedOrigins }),
    mfaRequiredUserTypes: parseUserTypes(env, 'MFA_REQUIRED_USER_TYPES'),
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, { min: 1, max: 36_500 }),
    oidcKeyPrepublishSeconds: int(env, 'OIDC_KEY_PREPUBLISH_SECONDS', 900, { min: 0, max: 30 * 86_400 }),
    webhooks: parseWebhooks(env, production, warnings),
    revocation: parseRevocation(env),
    oidc,
    warnings,
  }
  return Object.freeze(config)
}

/**
 * API.md §1: by default the loopback names, the host of DOMAIN and that of OIDC_ISSUER. A value that is set replaces
 * the default whole, as Django's setting does: a deployment names its hosts exactly.
 */
function parseAllowedHosts(env: Env, domain: string, issuer: string): string[] {
  const loopback = ['localhost', '127.0.0.1', '[::1]']
  const named = [domainOfHost(domain), new URL(issuer).hostname].filter((h) => h !== '' && !loopback.includes(h))
  const hosts = csv(env, 'ALLOWED_HOSTS', [...new Set([...loopback, ...named])])
  // Django refuses to serve with an empty list; every request would be a 400.
  if (hosts.length === 0) throw new ConfigError('ALLOWED_HOSTS', 'must name at least one host (or * for any)')
  return hosts
}

function parseWebhooks(env: Env, production: boolean, warnings: string[]): Config['webhooks'] {
  const allowHttp = bool(env, 'WEBHOOK_ALLOW_HTTP', false)
  const allowPrivate = bool(env, 'WEBHOOK_ALLOW_PRIVATE', false)
  // They let a site admin's webhook reach the service's own network (SSRF): worth a line at every start in production.
  if (production && (allowHttp || allowPrivate)) warnings.push('WEBHOOK_ALLOW_HTTP / WEBHOOK_ALLOW_PRIVATE are for development and tests only.')
  return { retryBaseMs: seconds(env, 'WEBHOOK_RETRY_BASE_SECONDS', 5) * 1000, allowHttp, allowPrivate }
}

function optionalPath(env: Env, name: string): string | undefined {
  const value = optionalString(env, name)
  return value === undefined ? undefined : resolve(value)
}

function parseRedisUrl(env: Env): string | undefined {
  const url = optionalString(env, 'REDIS_URL')
  if (url !== undefined && !/^rediss?:\/\//.test(url)) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL')
  return url
}

function parseRevocation(env: Env): RevocationConfig {
  const kind = oneOf(env, 'REVOCATION_CHANNEL', ['postgres', 'redis'] as const, 'postgres')
  const redisUrl = parseRedisUrl(env)
  if (kind === 'redis' && redisUrl === undefined) throw new ConfigError('REVOCATION_CHANNEL', 'redis needs REDIS_URL')
  const listenUrl = optionalString(env, 'DATABASE_LISTEN_URL')
  if (listenUrl !== undefined && !/^postgres(ql)?:\/\//.test(listenUrl)) throw new ConfigError('DATABASE_LISTEN_URL', 'must be a postgres:// URL')
  // API.md §16: a revocation counts everywhere within 1 s; the heartbeat must come back well within that.
  const maxLagMs = int(env, 'REVOCATION_MAX_LAG_MS', 1000, { min: 10, max: 60_000 })
  const heartbeatMs = int(env, 'REVOCATION_HEARTBEAT_MS', 250, { min: 5, max: 60_000 })
  if (heartbeatMs >= maxLagMs) throw new ConfigError('REVOCATION_HEARTBEAT_MS', `must be below REVOCATION_MAX_LAG_MS (${maxLagMs})`)
  const keyPrefix = string(env, 'REDIS_KEY_PREFIX', 'unilink-accounts:')
  return { channel: kind === 'redis' && redisUrl !== undefined ? { kind, url: redisUrl, keyPrefix } : { kind: 'postgres' }, listenUrl, heartbeatMs, maxLagMs }
}

function resolveSecretKey(env: Env, production: boolean, dataDir: string, warnings: string[]): string {
  const key = optionalString(env, 'SECRET_KEY') ?? optionalString(env, 'DJANGO_SECRET_KEY')
  if (key !== undefined) {
    // A short key makes every JWT and mailed link forgeable by brute force.
    if (key.length < 32) throw new ConfigError('SECRET_KEY', 'must be at least 32 characters long')
    return key
  }
  if (production) throw new ConfigError('SECRET_KEY', 'is required when NODE_ENV=production')
  const { key: generated, created } = readOrCreateSecretKey(dataDir)
  warnings.push(`SECRET_KEY is not set: ${created ? 'generated a new key and saved it' : 'using the key saved'} `
    + `in ${dataDir}/secret_key. Set SECRET_KEY for any real deployment.`)
  return generated
}

function parseCookies(env: Env, warnings: string[]): Config['cookies'] {
  const secure = bool(env, 'AUTH_COOKIE_SECURE', true)
  let sameSite = oneOf(env, 'AUTH_COOKIE_SAMESITE', ['Lax', 'Strict', 'None'] as const, 'None', { ignoreCase: true })
  if (sameSite === 'None' && !secure) {
    // Browsers drop SameSite=None cookies that are not Secure: login would silently fail (API.md §3).
    warnings.push('AUTH_COOKIE_SAMESITE=None needs AUTH_COOKIE_SECURE=true; using SameSite=Lax instead.')
    sameSite = 'Lax'
  }
  return { secure, sameSite, maxAge: seconds(env, 'AUTH_COOKIE_MAX_AGE', 604800) }
}

/** `postgres://` or `postgresql://` selects PostgreSQL; a file path, optionally prefixed `sqlite:`, SQLite. */
export function parseDatabaseUrl(value: string | undefined, dataDir: string): DatabaseConfig {
  const url = value?.trim()
  if (!url) return { kind: 'sqlite', file: resolve(dataDir, 'unilink.sqlite3') }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url }
  const file = url.replace(/^sqlite:(\/\/)?/, '')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file) || file === '') {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// URL or a SQLite file path (optionally prefixed sqlite:)')
  }
  return { kind: 'sqlite', file: file === ':memory:' ? file : resolve(file) }
}
