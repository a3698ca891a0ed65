import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { rawRequest } from '../helpers/raw-http.ts'

// API.md §1: what Node's HTTP parser refuses before any route runs is answered in §2's shape too, with the CORS
// headers of an allowed Origin (§9). Raw sockets: fetch would never send these requests. @see issue 12, item 7.
const WEB_CLIENT = 'http://localhost:3000'

function expectedHeaders(body: string, origin?: string): Record<string, string> {
  return {
    vary: 'Origin', ...(origin !== undefined ? { 'access-control-allow-origin': origin } : {}), 'access-control-allow-credentials': 'true',
    'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), connection: 'close',
  }
}

describe('Malformed HTTP and over-large headers (API.md §1)', () => {
  let server: TestServer
  before(async () => { server = await startServer() })
  after(async () => { await server.close() })

  const login = (framing: string[], extra: string[] = []) =>
    rawRequest(server.base, ['POST /api/jwt/create/ HTTP/1.1', 'Host: 127.0.0.1', ...extra, ...framing, '', '0', '', ''].join('\r\n'))

  it('When Content-Length and Transfer-Encoding conflict, then 400 {"detail": "Bad request."} with the CORS headers of the Origin', async () => {
    const res = await login(['Content-Length: 5', 'Transfer-Encoding: chunked'], [`Origin: ${WEB_CLIENT}`])
    const body = JSON.stringify({ detail: 'Bad request.' })
    assert.equal(res.status, 400)
    assert.equal(res.text, body)
    assert.deepEqual(res.headers, expectedHeaders(body, WEB_CLIENT))
  })

  it('When two Content-Length headers differ, or the request line is broken, then the same 400, without CORS headers for no Origin', async () => {
    const body = JSON.stringify({ detail: 'Bad request.' })
    for (const request of [
      ['POST /api/jwt/create/ HTTP/1.1', 'Host: 127.0.0.1', 'Content-Length: 1', 'Content-Length: 2', '', '{}'].join('\r\n'),
      'GET /api/ HTTP/1.1 extra\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /api/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: x\r\n\r\n',
    ]) {
      const res = await rawRequest(server.base, request)
      assert.equal(res.status, 400, request)
      assert.equal(res.text, body, request)
      assert.deepEqual(res.headers, expectedHeaders(body), request)
    }
  })

  it('When a header is 70 kB, then 431 {"detail": "Request header fields too large."} with the CORS headers of the Origin', async () => {
    const request = ['GET /api/users/me/ HTTP/1.1', 'Host: 127.0.0.1', `Origin: ${WEB_CLIENT}`, `X-Padding: ${'a'.repeat(70_000)}`, '', ''].join('\r\n')
    const res = await rawRequest(server.base, request)
    const body = JSON.stringify({ detail: 'Request header fields too large.' })
    assert.equal(res.status, 431)
    assert.equal(res.text, body)
    assert.deepEqual(res.headers, expectedHeaders(body, WEB_CLIENT))
  })

  it('When an Origin is not allowed, then the refusal names no Access-Control-Allow-Origin', async () => {
    const res = await login(['Content-Length: 5', 'Transfer-Encoding: chunked'], ['Origin: https://evil.example'])
    const body = JSON.stringify({ detail: 'Bad request.' })
    assert.equal(res.status, 400)
    assert.deepEqual(res.headers, expectedHeaders(body))
  })
})
