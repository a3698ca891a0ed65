import type { RouteOptions } from 'fastify'

/** What a hook a route lists means for the route's documentation and its answers to other methods. */
export type HookTraits = {
  /** The route needs a signed-in user (401 first, as DRF checks permissions before anything else). */
  requiresUser?: boolean
  /** Cookies that authenticate the request when present (CSRF applies; OpenAPI names them). */
  cookies?: readonly string[]
  /** The route counts requests against a rate limit (OpenAPI documents its 429). */
  throttled?: boolean
}

const traitsOfHook = new WeakMap<object, HookTraits>()

/**
 * Labels a hook that routes list in their `preParsing`/`preHandler` arrays, so the route table and the OpenAPI
 * document read what a route runs from the route itself instead of from a flag that could say otherwise.
 */
export function describeHook<H extends object>(hook: H, traits: HookTraits): H {
  traitsOfHook.set(hook, traits)
  return hook
}

const HOOK_KINDS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'onSend'] as const

/** The traits of every hook a route lists, merged. */
export function routeTraits(route: RouteOptions): Required<HookTraits> {
  const merged = { requiresUser: false, cookies: [] as string[], throttled: false }
  for (const kind of HOOK_KINDS) {
    const hooks = route[kind]
    for (const hook of hooks === undefined ? [] : [hooks].flat()) {
      const traits = traitsOfHook.get(hook)
      if (traits === undefined) continue
      if (traits.requiresUser) merged.requiresUser = true
      if (traits.throttled) merged.throttled = true
      merged.cookies.push(...(traits.cookies ?? []))
    }
  }
  return merged
}
