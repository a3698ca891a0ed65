import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify'

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'
const LEVELS: readonly Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace']

type Bindings = Record<string, unknown>
type LazyState = { parent: FastifyBaseLogger; bindings: Bindings; made: FastifyBaseLogger | undefined }
type LoggerWithLevels = FastifyBaseLogger & { isLevelEnabled(level: string): boolean }

function made(state: LazyState): FastifyBaseLogger {
  state.made ??= state.parent.child(state.bindings)
  return state.made
}

// One prototype for every request's logger, its methods reading the request's state through `this`: a factory's
// closures (STYLE.md rule 5) would allocate seven functions per request, about what the laziness saves.
const lazyLogger = {
  get level(): string {
    const state = this as unknown as LazyState
    return state.made?.level ?? state.parent.level
  },
  set level(level: string) {
    made(this as unknown as LazyState).level = level
  },
  child(this: LazyState, bindings: Bindings): FastifyBaseLogger {
    return made(this).child(bindings)
  },
  silent() {},
  ...Object.fromEntries(LEVELS.map((level) => [level, function (this: LazyState, ...args: unknown[]): void {
    if (!(this.parent as LoggerWithLevels).isLevelEnabled(level)) return
    const logger = made(this)
    Reflect.apply(logger[level], logger, args)
  }])),
}

/**
 * Fastify gives each request a pino child logger bound to its id. pino serialises the bindings through redaction as
 * it makes one (about 4 µs, on every request), though at LOG_LEVEL=warn most requests never write a line. This makes
 * the child only when the request writes at an enabled level; until then, the request's logger costs one object.
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (logger, bindings, options) => {
  // A route with a level of its own, or a logger without pino's level check, gets its child at once.
  if (options.level !== undefined || typeof (logger as Partial<LoggerWithLevels>).isLevelEnabled !== 'function') {
    return logger.child(bindings, options)
  }
  const state: LazyState = { parent: logger, bindings, made: undefined }
  return Object.assign(Object.create(lazyLogger) as FastifyBaseLogger, state)
}
