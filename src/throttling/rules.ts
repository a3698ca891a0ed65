import { ConfigError } from '../platform/env-parsers.ts'

/**
 * What is limited, per client IP and per target account (API.md §11). Account keys are hashed emails, uids or user
 * ids, counted whether or not the account exists, so a 429 never reveals that it does.
 */
export const RATE_LIMIT_SCOPES = [
  'login_ip', 'login_account', 'login_account_ip',
  'register_ip', 'register_account',
  'activation_ip', 'activation_account',
  'resend_activation_ip', 'resend_activation_account',
  'reset_password_ip', 'reset_password_account',
  'reset_password_confirm_ip', 'reset_password_confirm_account',
  'set_password_ip', 'set_password_account',
  'set_email_ip', 'set_email_account',
  'reset_email_ip', 'reset_email_account',
  'reset_email_confirm_ip', 'reset_email_confirm_account',
  'mfa_ip', 'mfa_account',
] as const
export type RateLimitScope = (typeof RATE_LIMIT_SCOPES)[number]
export type RateLimitRule = { limit: number; windowSeconds: number }

const MINUTE = 60
const HOUR = 3600

// Login: a guessing client is stopped per IP and per (account, IP) quickly; the account as a whole only after many
// failures from many IPs, so its owner, on their own IP, is slowed at worst for one window, never locked out.
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitScope, RateLimitRule>> = {
  login_ip: { limit: 30, windowSeconds: MINUTE },
  login_account_ip: { limit: 5, windowSeconds: 15 * MINUTE },
  login_account: { limit: 50, windowSeconds: 15 * MINUTE },
  register_ip: { limit: 20, windowSeconds: HOUR },
  register_account: { limit: 10, windowSeconds: HOUR },
  activation_ip: { limit: 30, windowSeconds: HOUR },
  activation_account: { limit: 10, windowSeconds: HOUR },
  resend_activation_ip: { limit: 10, windowSeconds: HOUR },
  resend_activation_account: { limit: 3, windowSeconds: HOUR },
  reset_password_ip: { limit: 10, windowSeconds: HOUR },
  reset_password_account: { limit: 3, windowSeconds: HOUR },
  reset_password_confirm_ip: { limit: 30, windowSeconds: HOUR },
  reset_password_confirm_account: { limit: 10, windowSeconds: HOUR },
  set_password_ip: { limit: 30, windowSeconds: HOUR },
  set_password_account: { limit: 10, windowSeconds: HOUR },
  set_email_ip: { limit: 30, windowSeconds: HOUR },
  set_email_account: { limit: 10, windowSeconds: HOUR },
  // reset_email mails the account like reset_password, and its confirmation checks a mailed token like it too.
  reset_email_ip: { limit: 10, windowSeconds: HOUR },
  reset_email_account: { limit: 3, windowSeconds: HOUR },
  reset_email_confirm_ip: { limit: 30, windowSeconds: HOUR },
  reset_email_confirm_account: { limit: 10, windowSeconds: HOUR },
  // Second factors (API.md §12): a six-digit code has a million values, so an account gets few guesses however many
  // mfa_tokens its password buys; a successful check gives its attempt back, so the owner is never slowed.
  mfa_ip: { limit: 30, windowSeconds: 15 * MINUTE },
  mfa_account: { limit: 10, windowSeconds: 15 * MINUTE },
}

/** `RATE_LIMIT_<SCOPE>=<count>/<seconds>` overrides one rule, e.g. `RATE_LIMIT_LOGIN_IP=60/60`. */
export function parseRateLimitRules(env: Record<string, string | undefined>): Record<RateLimitScope, RateLimitRule> {
  const rules = { ...DEFAULT_RATE_LIMITS }
  for (const scope of RATE_LIMIT_SCOPES) {
    const name = `RATE_LIMIT_${scope.toUpperCase()}`
    const value = env[name]?.trim()
    if (!value) continue
    const match = /^(\d{1,9})\/(\d{1,9})$/.exec(value)
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new ConfigError(name, `must be <count>/<seconds> with both at least 1, e.g. 10/60, got "${value}"`)
    }
    rules[scope] = { limit: Number(match[1]), windowSeconds: Number(match[2]) }
  }
  return rules
}
