import { client } from './http.ts'
import type { Client } from './http.ts'
import { linkParts } from './smtp-sink.ts'
import type { TestServer } from './server.ts'

let counter = 0

/**
 * A unique tag of letters only. Digits from the process id once made tests flaky: Django's similarity validator
 * compares a password such as "1234" with the email's parts, and "3k1234" is similar enough to fail it.
 */
function letterTag(): string {
  counter += 1
  return `${process.pid}z${counter}`.replace(/[0-9]/g, (digit) => String.fromCharCode(97 + Number(digit)))
}

/** A fresh, valid registration body; unique per call. */
export function newUser(overrides: Record<string, unknown> = {}) {
  const tag = letterTag()
  return {
    first_name: 'Ada',
    last_name: 'Lovelace',
    username: `ada${tag}`.slice(0, 20),
    email: `ada.${tag}@example.com`,
    password: 'myTestPass123.',
    re_password: 'myTestPass123.',
    ...overrides,
  }
}

/** Registers through the API and follows the activation link from the mail that arrives at the SMTP sink. */
export async function registerAndActivate(server: TestServer, overrides: Record<string, unknown> = {}) {
  const api = client(server.base)
  const body = newUser(overrides)
  const created = await api.post('/api/users/', body)
  if (created.status !== 201) throw new Error(`registration failed: ${created.status} ${created.text}`)
  const email = String(body.email).toLowerCase()
  const mail = await server.mail.waitFor((m) => m.to === email && m.subject.startsWith('Account activation'))
  const activated = await api.post('/api/users/activation/', linkParts(mail, 'nl/activation'))
  if (activated.status !== 204) throw new Error(`activation failed: ${activated.status} ${activated.text}`)
  return { ...body, email, username: String(body.username).toLowerCase() }
}

/** Logs in and returns the tokens of the body and the cookies. */
export async function login(api: Client, email: string, password: string) {
  const res = await api.post('/api/jwt/create/', { email, password })
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`)
  const { access, refresh } = res.body as { access: string; refresh: string }
  return { access, refresh, res }
}
