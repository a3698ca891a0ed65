import { Redis } from 'ioredis'

/**
 * Connects to Redis once, pings and disconnects, without the client's retries: `npm run cli -- check` wants an
 * answer, not a wait. Says what answered, or throws.
 */
export async function pingRedis(url: string): Promise<string> {
  const redis = new Redis(url, {
    lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null,
  })
  // The socket's error says why (ECONNREFUSED, NOAUTH, ...); connect() only says the connection closed.
  let cause: unknown
  redis.on('error', (error) => { cause ??= error })
  const { host, port } = redis.options
  try {
    await redis.connect()
    return `Redis ${host ?? ''}:${port ?? ''} answers ${await redis.ping()}`
  } catch (error) {
    throw cause ?? error
  } finally {
    redis.disconnect()
  }
}
