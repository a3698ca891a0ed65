import type { RouteOptions } from 'fastify'
import { routeTraits } from './route-traits.ts'

type Entry = { pattern: RegExp; methods: Set<string>; auth: boolean }

/**
 * What Fastify's router does not tell a not-found handler: which methods a path has (for 405 and `Allow`), whether
 * its view needs authentication (the 401 comes first, as in DRF), and whether the slashed path exists.
 */
export function createRouteTable() {
  const entries = new Map<string, Entry>()

  function toPattern(url: string): RegExp {
    const source = url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')
    return new RegExp(`^${source}$`)
  }

  return {
    onRoute(route: RouteOptions & { routePath?: string }): void {
      if (route.url.includes('*')) return
      // A `'/'` route under a prefix is announced once, unslashed, though Fastify registers both forms; only the
      // slashed one is ours (the other is redirected by routing.ts).
      const twin = route.routePath === '' && route.prefixTrailingSlash !== 'no-slash'
      const url = twin ? `${route.url}/` : route.url
      const entry = entries.get(url) ?? { pattern: toPattern(url), methods: new Set<string>(), auth: false }
      for (const method of [route.method].flat()) entry.methods.add(method)
      if (routeTraits(route).requiresUser) entry.auth = true
      entries.set(url, entry)
    },

    match(path: string): { allow: string; auth: boolean } | undefined {
      // A static path (`/api/users/me/`) wins over a parametric one (`/api/users/:id/`), as in the router.
      const entry = entries.get(path) ?? [...entries.values()].find((candidate) => candidate.pattern.test(path))
      if (entry === undefined) return undefined
      const methods = new Set([...entry.methods, 'OPTIONS'])
      return { allow: [...methods].sort().join(', '), auth: entry.auth }
    },
  }
}
