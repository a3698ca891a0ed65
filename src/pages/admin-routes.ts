import type { FastifyPluginAsync } from 'fastify'

export function adminRoutes(_deps: unknown): FastifyPluginAsync {
  return async () => {}
}
