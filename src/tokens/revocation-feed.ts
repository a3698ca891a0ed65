import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { Redis } from 'ioredis'
import pg from 'pg'

/** The PostgreSQL channel migration 0006's triggers notify on. */
export const POSTGRES_CHANNEL = 'unilink_revocations'
/** The `application_name` of each instance's listening connection (operators can find it in pg_stat_activity). */
export const LISTENER_APPLICATION_NAME = 'unilink-revocation-listener'

/** A committed change to the facts the session cache keeps: one session, every session of one user, or anything. */
export type Invalidation = { kind: 'session'; id: string } | { kind: 'user'; id: number } | { kind: 'all' }

export type FeedEvents = {
  /** A change committed somewhere: forget what it touches. */
  invalidate(change: Invalidation): void
  /** The listener was lost or has just (re)subscribed: changes may have gone unheard, forget everything. */
  reset(): void
}

/** One dedicated subscribing connection (never a pooled one) and a way to publish on its channel. */
export type Transport = {
  /** Resolves once subscribed; `onLost` is called at most once per connection, after that. */
  connect(onMessage: (payload: string) => void, onLost: () => void): Promise<void>
  /** A heartbeat, or (Redis) an invalidation after its commit. */
  publish(payload: string): Promise<void>
  /** Drops the subscribing connection without a goodbye: it is presumed dead. */
  disconnect(): void
  close(): Promise<void>
}

export type FeedTiming = {
  /** Milliseconds between the instance's heartbeats through its own channel. */
  heartbeatMs: number
  /** The cache is trusted only while a heartbeat sent at most this many milliseconds ago has come back. */
  maxLagMs: number
}

export type FeedStats = { invalidations: number; reconnects: number; secondsSinceHeartbeat: number }

/**
 * The listening side of the session cache (see session-lookup.ts for the argument). `trusted()` is true only while
 * the subscription stands and a heartbeat this instance sent at most `maxLagMs` ago has come back through it: since a
 * channel delivers in order, every change published before that heartbeat has arrived too. A heartbeat overdue by
 * twice that drops the connection as silently dead; any loss resets the cache and reconnects with back-off.
 */
export function createRevocationFeed(transport: Transport, events: FeedEvents, timing: FeedTiming, log: (message: string) => void) {
  const instance = randomBytes(6).toString('hex')
  const heartbeatPrefix = `hb:${instance}:`
  let up = false
  let closed = false
  let everConnected = false
  /** performance.now() at the sending of the newest heartbeat received (or of the subscription). */
  let confirmedAt = Number.NEGATIVE_INFINITY
  let heartbeatReceivedAt = performance.now()
  /** When the current subscription was made: silence is counted from there at the earliest. */
  let upSince = performance.now()
  let invalidations = 0
  let reconnects = 0
  let retryMs = 50
  let retryTimer: NodeJS.Timeout | undefined

  function onMessage(payload: string): void {
    if (payload.startsWith('hb:')) {
      if (!payload.startsWith(heartbeatPrefix)) return
      const sentAt = Number(payload.slice(heartbeatPrefix.length))
      if (sentAt > confirmedAt) confirmedAt = sentAt
      heartbeatReceivedAt = performance.now()
      return
    }
    invalidations++
    const id = payload.slice(2)
    if (payload.startsWith('s:')) events.invalidate({ kind: 'session', id })
    else if (payload.startsWith('u:') && /^\d+$/.test(id)) events.invalidate({ kind: 'user', id: Number(id) })
    else events.invalidate({ kind: 'all' })
  }

  function onLost(): void {
    if (!up) return
    up = false
    events.reset()
    if (!closed) log('revocation listener lost: the session cache is bypassed until it is back')
    scheduleConnect()
  }

  function scheduleConnect(): void {
    if (closed || retryTimer !== undefined) return
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      void connect()
    }, retryMs)
    retryTimer.unref()
    retryMs = Math.min(retryMs * 2, 2000)
  }

  async function connect(): Promise<void> {
    const subscribedFrom = performance.now()
    try {
      await transport.connect(onMessage, onLost)
    } catch {
      scheduleConnect()
      return
    }
    if (closed) return
    // Whatever happened before the subscription stood went unheard: forget it all, then trust from here on.
    events.reset()
    confirmedAt = subscribedFrom
    upSince = performance.now()
    heartbeatReceivedAt = upSince
    retryMs = 50
    up = true
    if (everConnected) {
      reconnects++
      log('revocation listener reconnected: the session cache was flushed')
    }
    everConnected = true
  }

  const heartbeat = setInterval(() => {
    if (!up) return
    const now = performance.now()
    const silentFor = now - Math.max(confirmedAt, upSince)
    if (silentFor > 2 * timing.maxLagMs) {
      log(`revocation listener silent for ${Math.round(silentFor)} ms: reconnecting`)
      transport.disconnect()
      onLost()
      return
    }
    transport.publish(`${heartbeatPrefix}${now}`).catch(() => {})
  }, timing.heartbeatMs)
  heartbeat.unref()

  return {
    start: (): Promise<void> => connect(),
    trusted: (): boolean => up && performance.now() - confirmedAt < timing.maxLagMs,
    /** Tells every instance (this one included) after a commit; only the Redis channel needs it (PostgreSQL's triggers notify). */
    announce: (change: Invalidation): Promise<void> =>
      transport.publish(change.kind === 'all' ? '*' : `${change.kind === 'session' ? 's' : 'u'}:${change.id}`),
    stats: (): FeedStats => ({ invalidations, reconnects, secondsSinceHeartbeat: (performance.now() - heartbeatReceivedAt) / 1000 }),
    async close(): Promise<void> {
      closed = true
      up = false
      clearInterval(heartbeat)
      clearTimeout(retryTimer)
      await transport.close()
    },
  }
}

export type RevocationFeed = ReturnType<typeof createRevocationFeed>

/** LISTEN on a client of its own; heartbeats go through `publish` (the service's pool), as any committed change would. */
export function postgresTransport(url: string, publish: (channel: string, payload: string) => Promise<void>): Transport {
  let client: pg.Client | undefined
  return {
    async connect(onMessage, onLost) {
      // Bounded: a connect or LISTEN into a dead network would otherwise wait forever, and never be retried.
      const c = new pg.Client({
        connectionString: url, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, connectionTimeoutMillis: 5000, query_timeout: 5000,
      })
      let subscribed = false
      let lost = false
      const lose = () => {
        if (!subscribed || lost) return
        lost = true
        onLost()
      }
      // An error is followed by 'end'; either one means the subscription is gone. Never an unhandled 'error'.
      c.on('error', lose)
      c.on('end', lose)
      c.on('notification', (n) => { if (n.channel === POSTGRES_CHANNEL) onMessage(n.payload ?? '') })
      try {
        await c.connect()
        await c.query(`LISTEN ${POSTGRES_CHANNEL}`)
      } catch (error) {
        c.end().catch(() => {})
        throw error
      }
      subscribed = true
      client = c
    },
    publish: (payload) => publish(POSTGRES_CHANNEL, payload),
    disconnect() {
      client?.connection.stream.destroy()
    },
    async close() {
      await client?.end().catch(() => {})
    },
  }
}

/** SUBSCRIBE on a connection of its own (a subscribed Redis connection can do nothing else); PUBLISH on another. */
export function redisTransport(url: string, keyPrefix: string): Transport {
  const channel = `${keyPrefix}revocations`
  // Its offline queue holds a publish while it reconnects; a heartbeat that waits there simply comes back late.
  const publisher = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  publisher.on('error', () => {})
  let subscriber: Redis | undefined
  return {
    async connect(onMessage, onLost) {
      // No reconnection of its own: the feed reconnects, and resets the cache first.
      const s = new Redis(url, {
        lazyConnect: true, autoResubscribe: false, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 5000,
        // Found in CLIENT LIST by the name, as the PostgreSQL listener is by its application_name.
        connectionName: `${LISTENER_APPLICATION_NAME}:${keyPrefix}`,
      })
      let subscribed = false
      let lost = false
      s.on('error', () => {})
      s.on('close', () => {
        if (!subscribed || lost) return
        lost = true
        onLost()
      })
      s.on('message', (from: string, payload: string) => { if (from === channel) onMessage(payload) })
      try {
        await s.connect()
        await s.subscribe(channel)
      } catch (error) {
        s.disconnect()
        throw error
      }
      subscribed = true
      subscriber = s
    },
    async publish(payload) {
      await publisher.publish(channel, payload)
    },
    disconnect() {
      subscriber?.disconnect()
    },
    async close() {
      subscriber?.disconnect()
      publisher.disconnect()
    },
  }
}
