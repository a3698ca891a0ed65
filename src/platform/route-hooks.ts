import type { RouteOptions } from 'fastify'

type HookName = 'preParsing' | 'preValidation' | 'preHandler' | 'onSend'
type HookOf<K extends HookName> = Extract<NonNullable<RouteOptions[K]>, (...args: never[]) => unknown>

/**
 * From an `onRoute` hook: runs `hook` first among the route's own hooks of that kind, keeping those it declared. The
 * features that apply to some routes only (guards, throttling, the `{}` body default) attach themselves this way, so
 * the other routes pay no call for them.
 */
export function prependRouteHook<K extends HookName>(route: RouteOptions, name: K, hook: HookOf<K>): void {
  const own = route[name] === undefined ? [] : [route[name]].flat()
  route[name] = [hook, ...own] as RouteOptions[K]
}
