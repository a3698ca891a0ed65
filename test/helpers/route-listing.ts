import { readFileSync } from 'node:fs'

export type RouteRef = { method: string; path: string }

/**
 * The routes of `app.printRoutes({ commonPrefix: false })`, Fastify's own listing: one node per line, four
 * characters of tree drawing per level, the methods in parentheses.
 */
export function parsePrintedRoutes(tree: string): RouteRef[] {
  const prefixes: string[] = []
  const routes: RouteRef[] = []
  for (const line of tree.split('\n')) {
    const match = /^((?:[│ ]{3} |[├└]── )+)(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (match === null) continue
    const depth = [...(match[1] ?? '')].length / 4
    const path = `${depth > 1 ? prefixes[depth - 1] : ''}${match[2]}`
    prefixes[depth] = path
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, path })
  }
  return routes
}

/** Fastify's `/api/users/:id/` as OpenAPI writes it: `/api/users/{id}/`. */
export function openApiPath(path: string): string {
  return path.replace(/:(\w+)/g, '{$1}')
}

/**
 * Every route the contract names: `**POST /api/users/**`, `GET/PUT/PATCH/DELETE /api/users/{id}/`, a table row's
 * `GET /api/university/pending/, /approved/` (a sibling of the last segment), with query strings dropped.
 */
export function contractRoutes(apiMd: string): RouteRef[] {
  const routes: RouteRef[] = []
  const pattern = /\b((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\/api\/[\w/{}-]*)((?:, \/[\w-]+\/)*)/g
  for (const [, methods = '', path = '', siblings = ''] of apiMd.matchAll(pattern)) {
    const parent = path.replace(/[\w-]+\/$/, '')
    const paths = [path, ...siblings.split(', ').filter(Boolean).map((s) => parent + s.slice(1))]
    for (const method of methods.split('/')) for (const p of paths) routes.push({ method, path: p })
  }
  return routes
}

/**
 * Part two's sections (§12-§16) the service implements so far: each issue that lands one adds its number here, so the
 * route tests hold the service to every section it claims and not to the ones still to be built.
 */
export const IMPLEMENTED_PART_TWO: readonly number[] = [12, 13, 14, 15]

/**
 * The contract (docs/API.md, the repository's copy of the spec), so a clone alone runs the suite: Part one whole, and
 * of Part two only the sections listed in IMPLEMENTED_PART_TWO.
 */
export function readContract(): string {
  const text = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8')
  const partTwo = text.indexOf('\n# Part two')
  if (partTwo < 0) return text
  const sections = text.slice(partTwo).split(/\n(?=## \d+\.)/)
  const kept = sections.filter((s) => IMPLEMENTED_PART_TWO.includes(Number(/^## (\d+)\./.exec(s)?.[1])))
  return [text.slice(0, partTwo), ...kept].join('\n')
}
