// The floor under the two ratio targets: node:http with no framework, answering the benchmark's `GET /api/users/me/`
// and `POST /api/jwt/verify/` requests with the least work the contract allows: the HS256 signature checked once per
// token (as the service's jwt.ts does), the user found in a Map, and the service's answer headers. No revocation check,
// metrics, CORS origin matching, request-id validation or error handling: what the service adds to that is its cost.
// If this floor misses a target in a run, no service built on Node's HTTP stack can meet it on that machine.
import { createHmac, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { ServerResponse } from 'node:http'

const secretKey = process.env.SECRET_KEY ?? ''
const checked = new Map<string, { user_id: number }>()
const user = { email: 'bench-user-0@example.com', id: 1, first_name: 'Bench', last_name: 'User', username: 'bench0', university: null, is_staff: false }

function claimsOf(token: string): { user_id: number } | null {
  const known = checked.get(token)
  if (known !== undefined) return known
  const [header = '', payload = '', signature = ''] = token.split('.')
  if (createHmac('sha256', secretKey).update(`${header}.${payload}`).digest('base64url') !== signature) return null
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { user_id: number }
  checked.set(token, claims)
  return claims
}

function answer(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, {
    vary: 'Origin', 'access-control-allow-credentials': 'true', 'content-type': 'application/json; charset=utf-8',
    'x-request-id': randomUUID(), 'content-length': Buffer.byteLength(body),
  })
  response.end(body)
}

const server = createServer((request, response) => {
  if (request.url === '/healthz') {
    answer(response, 200, '{"status":"ok"}')
    return
  }
  if (request.url === '/api/users/me/') {
    const claims = claimsOf(request.headers.authorization?.slice('Bearer '.length) ?? '')
    answer(response, claims === null ? 401 : 200, claims === null ? '{}' : JSON.stringify({ ...user, id: claims.user_id }))
    return
  }
  let body = ''
  request.setEncoding('utf8')
  request.on('data', (chunk: string) => {
    body += chunk
  })
  request.on('end', () => {
    let token: unknown
    try {
      token = request.url === '/api/jwt/verify/' ? (JSON.parse(body) as { token?: unknown }).token : undefined
    } catch {
      token = undefined
    }
    answer(response, typeof token === 'string' && claimsOf(token) !== null ? 200 : 401, '{}')
  })
})
server.keepAliveTimeout = 72_000
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
