import type { Kysely } from 'kysely'

// Frozen: never edit after it has been merged; add a new numbered file instead.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's migration signature: the schema is not typed yet
type AnyDb = Kysely<any>

export async function up(db: AnyDb): Promise<void> {
  // The relying parties of the OpenID Provider (API.md §15), registered by site admins. The provider's own storage
  // (grants, codes, tokens, sessions) and its signing keys have their own tables in a later migration.
  await db.schema
    .createTable('oidc_clients')
    // Random and URL-safe (oidc/client-secrets.ts); the client's public name in every OAuth request.
    .addColumn('client_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    // 'confidential' (a secret, token endpoint auth client_secret_basic/post) or 'public' (no secret, PKCE S256).
    .addColumn('type', 'varchar(16)', (c) => c.notNull())
    // 0/1: a first-party client skips the consent page.
    .addColumn('first_party', 'integer', (c) => c.notNull())
    // JSON arrays of absolute URLs, matched exactly.
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    // SHA-256 of the secret (confidential clients only); the secret itself is shown once, at creation or rotation.
    .addColumn('secret_hash', 'varchar(128)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute()
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('oidc_clients').execute()
}
