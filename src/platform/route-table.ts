import type { RouteOptions } from 'fastify'

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
    onRoute(route: RouteOptions): void {
      if (route.url.includes('*')) return
      const entry = entries.get(route.url) ?? { pattern: toPattern(route.url), methods: new Set<string>(), auth: false }
      for (const method of [route.method].flat()) entry.methods.add(method)
      const config = route.config as { auth?: boolean } | undefined
      if (config?.auth) entry.auth = true
      entries.set(route.url, entry)
    },

    match(path: string): { allow: string; auth: boolean } | undefined {
      for (const entry of entries.values()) {
        if (!entry.pattern.test(path)) continue
        const methods = new Set([...entry.methods, 'OPTIONS'])
        return { allow: [...methods].sort().join(', '), auth: entry.auth }
      }
      return undefined
    },
  }
}
