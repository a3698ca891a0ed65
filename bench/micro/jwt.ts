// In-process micro-benchmark of the HS256 codec (src/tokens/jwt.ts) against fast-jwt, both signing SimpleJWT's
// claims with the same key and checking them: sign+verify of a fresh token (what a login or a refresh costs), and a
// verify of a token seen before (what every authenticated request costs; both keep verified tokens cached).
// Interleaved rounds, so drift of the shared machine falls on both alike.   npx tsx bench/micro/jwt.ts [--rounds 7]
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { createSigner, createVerifier } from 'fast-jwt'
import { createJwtCodec } from '../../src/tokens/jwt.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' }, ops: { type: 'string', default: '20000' } } })
const SECRET = 'micro-benchmark-secret-key-0123456789-abcdefghijklmnop'
const LIFETIMES = { access: 300, refresh: 86400 }

const ours = createJwtCodec(SECRET, LIFETIMES)
const signer = createSigner({ key: SECRET, algorithm: 'HS256' })
const verifier = createVerifier({ key: SECRET, algorithms: ['HS256'], cache: 5000 })

function fastSign(now: number): string {
  const iat = Math.floor(now / 1000)
  return signer({ token_type: 'access', exp: iat + LIFETIMES.access, iat, jti: randomBytes(16).toString('hex'), user_id: 7, sid: 'abc' })
}

const variants: Record<string, () => void> = {
  'ours sign+verify': () => {
    const { token } = ours.sign('access', 7, 'abc', Date.now())
    if (!ours.verify(token, 'access').ok) throw new Error('ours: not verified')
  },
  'fast-jwt sign+verify': () => {
    const payload = verifier(fastSign(Date.now())) as { token_type: string }
    if (payload.token_type !== 'access') throw new Error('fast-jwt: not verified')
  },
}
const seenByOurs = ours.sign('access', 7, 'abc', Date.now()).token
const seenByFast = fastSign(Date.now())
variants['ours verify (seen)'] = () => {
  if (!ours.verify(seenByOurs, 'access').ok) throw new Error('ours: not verified')
}
variants['fast-jwt verify (seen)'] = () => {
  verifier(seenByFast)
}

// The same bytes on the wire: fast-jwt given our claims in our order writes the same header and payload.
const now = Date.now()
const a = ours.sign('access', 7, 'abc', now)
const b = signer({ token_type: a.token_type, exp: a.exp, iat: a.iat, jti: a.jti, user_id: a.user_id, sid: a.sid })
if (a.token !== b) throw new Error(`tokens differ:\n${a.token}\n${b}`)

const ops = Number(values.ops)
const figures = new Map<string, number[]>()
for (let round = 0; round < Number(values.rounds); round++) {
  const names = Object.keys(variants)
  for (const name of round % 2 === 0 ? names : names.reverse()) {
    const run = variants[name] ?? (() => {})
    for (let i = 0; i < 1000; i++) run()
    const start = process.hrtime.bigint()
    for (let i = 0; i < ops; i++) run()
    const micros = Number(process.hrtime.bigint() - start) / 1000 / ops
    figures.set(name, [...(figures.get(name) ?? []), micros])
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0
for (const [name, xs] of figures) {
  process.stdout.write(`${name}: median ${median(xs).toFixed(2)} µs/op [${xs.map((x) => x.toFixed(2)).join(' ')}]\n`)
}
