import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyPluginAsync } from 'fastify'
import fastifyStatic from '@fastify/static'
import { Type } from '@sinclair/typebox'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { AppError } from '../platform/errors.ts'
import { pageDocs } from './docs.ts'

const ROOT = new URL('../../assets/pages/', import.meta.url).pathname
/** The vendored @simplewebauthn/browser bundle (assets/pages/README.md says where it came from). */
export const WEBAUTHN_BUNDLE = 'simplewebauthn-browser-14.0.0.umd.min.js'
const FILES = ['pages.css', 'pages.js', 'passkeys.js', WEBAUTHN_BUNDLE] as const
export type AssetName = (typeof FILES)[number]

/**
 * The pages' CSS and script under names that carry a hash of their bytes (`pages.3f2a9c1e.css`), so they are cached
 * for a year and a new release is fetched at once: the pages link the current names.
 */
export function hashedAssets() {
  const byHashedName = new Map<string, AssetName>()
  const urls = {} as Record<AssetName, string>
  for (const file of FILES) {
    const hash = createHash('sha256').update(readFileSync(ROOT + file)).digest('hex').slice(0, 10)
    const hashed = file.replace(/\.(\w+)$/, `.${hash}.$1`)
    byHashedName.set(hashed, file)
    urls[file] = `/static/pages/${hashed}`
  }
  return { urls, fileOf: (name: string) => byHashedName.get(name) }
}

export type HashedAssets = ReturnType<typeof hashedAssets>

const AssetParams = Type.Object({ file: Type.String({ maxLength: 64 }) })

/** GET /static/pages/{file}: @fastify/static sends the file (ETag, ranges, HEAD); only the current hashed names exist. */
export function assetRoutes(assets: HashedAssets): FastifyPluginAsync {
  return async (fastify) => {
    await fastify.register(fastifyStatic, { root: ROOT, serve: false })
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
    app.get('/static/pages/:file', { schema: { ...pageDocs.asset, params: AssetParams } }, async (request, reply) => {
      const file = assets.fileOf(request.params.file)
      if (file === undefined) throw AppError.notFound()
      return reply.sendFile(file, { maxAge: '365d', immutable: true, cacheControl: true })
    })
  }
}
