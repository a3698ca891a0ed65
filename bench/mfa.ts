// The second step of a login with TOTP (API.md §12): `POST /api/jwt/create/mfa/` checks no password, so it must cost
// little. `count` seeded users enrol TOTP through the API and each gets an mfa_token beforehand (those requests hash
// passwords and are not measured); then the second steps run one at a time and each is timed.
import { performance } from 'node:perf_hooks'
import { Secret, TOTP } from 'otpauth'

export type MfaSecondStep = { requests: number; p50Ms: number; p90Ms: number; maxMs: number }

const STEP_MS = 30_000

async function post(base: string, path: string, body: unknown, access?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(access === undefined ? {} : { authorization: `Bearer ${access}` }) },
  })
  return { status: response.status, body: await response.json() as Record<string, unknown> }
}

function codeAt(secret: string, at: number): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: at })
}

/** Runs `work` over `items`, `parallel` at a time. */
async function inBatches<T, R>(items: T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = []
  for (let i = 0; i < items.length; i += parallel) results.push(...await Promise.all(items.slice(i, i + parallel).map(work)))
  return results
}

/**
 * Enrols the users `emails` (setup, confirm with the current code) and measures one second step each, with the code of
 * the next 30-second step (accepted, and later than the one the confirmation used). Leaves the users with TOTP: run
 * it after every phase that logs in with a password.
 */
export async function measureMfaSecondStep(base: string, emails: string[], password: string): Promise<MfaSecondStep> {
  const enrolled = await inBatches(emails, 4, async (email) => {
    const login = await post(base, '/api/jwt/create/', { email, password })
    const access = String(login.body.access)
    const setup = await post(base, '/api/mfa/totp/setup/', { current_password: password }, access)
    const secret = String(setup.body.secret)
    const confirm = await post(base, '/api/mfa/totp/confirm/', { code: codeAt(secret, Date.now()) }, access)
    if (confirm.status !== 200) throw new Error(`TOTP enrolment failed: ${confirm.status} ${JSON.stringify(confirm.body)}`)
    return { email, secret }
  })
  const withTokens = await inBatches(enrolled, 4, async (user) => {
    const first = await post(base, '/api/jwt/create/', { email: user.email, password })
    if (first.status !== 401 || first.body.code !== 'mfa_required') throw new Error(`no mfa_required: ${first.status}`)
    return { ...user, mfaToken: String(first.body.mfa_token) }
  })
  const times: number[] = []
  for (const user of withTokens) {
    const body = JSON.stringify({ mfa_token: user.mfaToken, code: codeAt(user.secret, Date.now() + STEP_MS) })
    const started = performance.now()
    const response = await fetch(`${base}/api/jwt/create/mfa/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    await response.arrayBuffer()
    times.push(performance.now() - started)
    if (response.status !== 200) throw new Error(`jwt/create/mfa/ answered ${response.status}`)
  }
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN) * 100) / 100
  return { requests: times.length, p50Ms: at(0.5), p90Ms: at(0.9), maxMs: at(1) }
}
