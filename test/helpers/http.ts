export type Reply = {
  status: number
  headers: Headers
  /** Parsed JSON, or the raw text when the body is not JSON (and '' when empty). */
  body: unknown
  text: string
  /** The Set-Cookie lines, whole. */
  setCookies: string[]
  /** name → value of the cookies set by this response. */
  cookies: Record<string, string>
}

export type CallOptions = {
  json?: unknown
  body?: string | FormData | URLSearchParams
  headers?: Record<string, string>
  /** Sent as a Cookie header. */
  cookies?: Record<string, string>
  bearer?: string
}

/** One HTTP request to the real server; no redirects are followed, so 301/308 can be asserted. */
export async function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers }
  let body: string | FormData | URLSearchParams | undefined = opts.body
  if (opts.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(opts.json)
  }
  if (opts.bearer !== undefined) headers.authorization = `Bearer ${opts.bearer}`
  if (opts.cookies !== undefined) {
    headers.cookie = Object.entries(opts.cookies).map(([k, v]) => `${k}=${v}`).join('; ')
  }
  const res = await fetch(`${base}${path}`, { method, headers, body, redirect: 'manual' })
  const text = await res.text()
  let parsed: unknown = text
  if ((res.headers.get('content-type') ?? '').includes('application/json') && text !== '') parsed = JSON.parse(text)
  const setCookies = res.headers.getSetCookie()
  const cookies: Record<string, string> = {}
  for (const line of setCookies) {
    const [pair = ''] = line.split(';')
    const at = pair.indexOf('=')
    cookies[pair.slice(0, at)] = pair.slice(at + 1)
  }
  return { status: res.status, headers: res.headers, body: parsed, text, setCookies, cookies }
}

export function client(base: string) {
  return {
    get: (path: string, opts?: CallOptions) => call(base, 'GET', path, opts),
    post: (path: string, json?: unknown, opts?: CallOptions) => call(base, 'POST', path, { json, ...opts }),
    put: (path: string, json?: unknown, opts?: CallOptions) => call(base, 'PUT', path, { json, ...opts }),
    patch: (path: string, json?: unknown, opts?: CallOptions) => call(base, 'PATCH', path, { json, ...opts }),
    delete: (path: string, json?: unknown, opts?: CallOptions) => call(base, 'DELETE', path, { json, ...opts }),
    call: (method: string, path: string, opts?: CallOptions) => call(base, method, path, opts),
  }
}
export type Client = ReturnType<typeof client>
