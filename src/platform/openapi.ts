import { readFileSync } from 'node:fs'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from '@sinclair/typebox'
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify'
import { BadRequestJson, DetailJson } from './response-shapes.ts'
import { routeTraits } from './http/route-traits.ts'

// The OpenAPI 3.1 document is generated from the route schemas (body, query, params, response, summary); what every
// route of a kind shares — security, the 400/401/403/413/415/429/500 answers, tags, accepted media types — is added
// here from the route's options, so the routes declare only what is their own.

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version

/** The request media types DRF's parsers accept (API.md §1, http/body-parsers.ts). */
const BODY_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data']
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

const TAGS = [
  { name: 'users', description: 'Registration, activation, profile, passwords and email (API.md §4, §5, §7).' },
  { name: 'tokens', description: 'SimpleJWT-compatible login, refresh, verify and logout (API.md §3, §6).' },
  { name: 'sessions', description: 'Sessions: list, revoke one, revoke all (API.md §11).' },
  { name: 'universities', description: 'Universities and their faculty (API.md §8).' },
  { name: 'departments', description: 'Departments of a university (API.md §8).' },
  { name: 'pages', description: 'Hosted HTML pages: sign-in, account console, admin console (API.md §14).' },
  { name: 'second factors', description: 'TOTP, recovery codes and the second step of a login (API.md §12).' },
  { name: 'passkeys', description: 'WebAuthn passkeys: registration, management and passkey login (API.md §12).' },
  { name: 'openid connect', description: 'UniLink as an OpenID Provider: discovery, JWKS, authorization, tokens, userinfo (API.md §15).' },
  { name: 'service', description: 'Home page, health, readiness, metrics and this documentation.' },
]

/** Tags the OpenAPI operations of a feature's routes: the feature says which it is (the default is `service`). */
export function taggedDocs<D extends Record<string, FastifySchema>>(tag: string, docs: D): D {
  return Object.fromEntries(Object.entries(docs).map(([name, schema]) => [name, { ...schema, tags: [tag] }])) as unknown as D
}

/** `POST /api/users/:id/` → `postApiUsersById`: stable names for generated clients. */
function operationIdOf(method: string, url: string): string {
  const words = url.split('/').filter(Boolean).map((part) => (part.startsWith(':') ? `by_${part.slice(1)}` : part))
  const name = words.join('_').split(/[_.-]/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')
  return method.toLowerCase() + (name === '' ? 'Home' : name)
}

const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An access token from POST /api/jwt/create/: `Authorization: Bearer <access>`. A header that is present decides alone.',
  },
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: 'access',
    description: 'The `access` cookie set by POST /api/jwt/create/, used when there is no Authorization '
      + 'header. Unsafe methods from another origin are refused (CSRF, API.md §11).',
  },
  metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, for GET /metrics when it is set.' },
  refreshCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'refresh',
    description: 'The `refresh` cookie set by POST /api/jwt/create/ and /api/jwt/refresh/; it wins over a `refresh` in the body.',
  },
}
const COOKIE_SCHEMES: Record<string, string> = { access: 'cookieAuth', refresh: 'refreshCookie' }

type RouteConfig = ReturnType<typeof routeTraits>
type Responses = Record<string, Record<string, unknown>>

const WWW_AUTHENTICATE = { 'WWW-Authenticate': { type: 'string', description: '`Bearer realm="api"`' } }
const RETRY_AFTER = { 'Retry-After': { type: 'integer', description: 'seconds until the next request is allowed' } }

/** The answers a route has because of what it is (has a body, needs a user, is throttled), not because of what it does. */
function sharedResponses(route: RouteOptions, schema: FastifySchema, method: string): Responses {
  const config = routeTraits(route)
  const responses: Responses = {}
  if (schema.body !== undefined || schema.querystring !== undefined) responses['400'] = BadRequestJson()
  if (config.requiresUser) {
    responses['401'] = {
      ...DetailJson('Anonymous, or a missing, expired or revoked token (API.md §3).', 'Authentication credentials were not provided.'),
      headers: WWW_AUTHENTICATE,
    }
  }
  if (UNSAFE_METHODS.has(method) && (config.requiresUser || config.cookies.length > 0)) {
    responses['403'] = DetailJson('A request authenticated by cookie from an untrusted Origin (CSRF, API.md §11).',
      'CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins.')
  }
  if (schema.body !== undefined) {
    responses['413'] = DetailJson('The body is over 64 KiB.', 'Request body too large.')
    responses['415'] = DetailJson(
      'A body of another media type than JSON, a urlencoded or a multipart form.',
      'Unsupported media type "text/plain" in request.',
    )
  }
  if (config.throttled) {
    responses['429'] = { ...DetailJson('Too many requests (API.md §11).', 'Request was throttled. Expected available in 60 seconds.'), headers: RETRY_AFTER }
  }
  if (route.url.startsWith('/api/')) responses['500'] = DetailJson('An unexpected failure; never a stack trace.', 'A server error occurred.')
  return responses
}

/** The route's own answers win; a 403 of its own also names the CSRF refusal that shares the status. */
function mergeResponses(shared: Responses, own: Responses): Responses {
  const merged = { ...shared, ...own }
  const csrf = shared['403']
  const own403 = own['403']
  if (csrf !== undefined && own403 !== undefined) {
    merged['403'] = { ...own403, description: `${String(own403.description)} Also: ${String(csrf.description)}` }
  }
  return merged
}

function securityOf(config: RouteConfig): FastifySchema['security'] {
  if (config.requiresUser) return [{ bearerAuth: [] }, { cookieAuth: [] }]
  const cookies = config.cookies.map((name) => COOKIE_SCHEMES[name]).filter((s) => s !== undefined)
  // A cookie that is used when present, and a body field otherwise: both ways are documented, `{}` being "none".
  return cookies.length > 0 ? [...cookies.map((s) => ({ [s]: [] })), {}] : undefined
}

function transform({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: RouteOptions }) {
  if (schema?.hide) return { schema, url }
  const method = [route.method].flat()[0] ?? 'GET'
  const config = routeTraits(route)
  const own = (schema?.response ?? {}) as Responses
  const security = securityOf(config)
  return {
    url,
    schema: {
      ...schema,
      tags: schema?.tags ?? ['service'],
      operationId: schema?.operationId ?? operationIdOf(method, url),
      ...(schema?.body !== undefined ? { consumes: BODY_MEDIA_TYPES } : {}),
      ...(security !== undefined ? { security } : {}),
      response: mergeResponses(sharedResponses(route, schema ?? {}, method), own),
    },
  }
}

type Operation = { requestBody?: { required?: boolean; content: Record<string, { schema?: { required?: string[] } }> } }

/** An empty body counts as `{}` (API.md §1): a body is required only where one of its fields is. */
function transformObject({ openapiObject }: { openapiObject: { paths?: Record<string, Record<string, Operation>> } }) {
  for (const item of Object.values(openapiObject.paths ?? {})) {
    for (const operation of Object.values(item)) {
      const body = operation.requestBody
      if (body !== undefined) body.required = (Object.values(body.content)[0]?.schema?.required?.length ?? 0) > 0
    }
  }
  return openapiObject
}

/** A strict policy for the docs pages: everything from this service, nothing from elsewhere (the page is offline). */
const DOCS_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
  + "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"

/**
 * Collects the routes registered after it into the OpenAPI 3.1 document, served at `GET /api/schema/`, and the
 * interactive reference at `GET /api/docs/` (Swagger UI, its assets served from the npm package: no CDN).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'UniLink Accounts API',
        version: VERSION,
        description: 'The user-account and authentication service of UniLink: a drop-in for the Django + Djoser + SimpleJWT '
          + 'backend. Every path ends with `/`; bodies are JSON, urlencoded or multipart forms; errors use DRF\'s shapes.',
      },
      components: { securitySchemes: SECURITY_SCHEMES as never },
      tags: TAGS,
    },
    transform,
    transformObject: transformObject as never,
  })
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: DOCS_CSP,
    theme: { title: 'UniLink Accounts API' },
    // BaseLayout: no top bar (a vendor logo and a box to load other documents); the title comes from the document.
    uiConfig: { layout: 'BaseLayout', deepLinking: true, docExpansion: 'list', defaultModelsExpandDepth: 0, displayRequestDuration: true },
  })
  app.get('/api/schema/', {
    schema: {
      summary: 'This OpenAPI 3.1 document',
      description: 'Generated from the route schemas; also written to `openapi.json` by `npm run openapi`.',
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'The OpenAPI 3.1 document.' }) },
    },
  }, async () => app.swagger())
}
