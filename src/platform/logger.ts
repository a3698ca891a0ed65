import type { LoggerOptions } from 'pino'
import type { Config } from '../config.ts'

/**
 * Secrets never reach the logs: headers that carry tokens, and any password or token field of a logged object.
 * Pretty output on a terminal, JSON lines otherwise (chosen by TTY, not by NODE_ENV).
 */
export function loggerOptions(config: Pick<Config, 'logLevel'>, isTty = process.stdout.isTTY): LoggerOptions {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
        '*.password', '*.new_password', '*.re_password', '*.re_new_password', '*.current_password',
        '*.token', '*.refresh', '*.access',
      ],
      censor: '[redacted]',
    },
    ...(isTty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  }
}
