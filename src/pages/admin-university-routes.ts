import type { FastifyPluginAsync } from 'fastify'

export function adminUniversityRoutes(_deps: unknown): FastifyPluginAsync {
  return async () => {}
}
