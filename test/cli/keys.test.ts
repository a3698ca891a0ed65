import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createSigningKeys } from '../../src/oidc/signing-keys.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { TEST_SECRET_KEY } from '../helpers/server.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

type ListedKey = { kid: string; alg: string; state: string; created: string; signing_from: string; retired: string | null }

const DAY = 86_400_000
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/

describe('npm run cli -- keys', () => {
  let server: TestServer
  let env: Record<string, string>
  before(async () => {
    server = await startServer()
    env = cliEnv(server.database)
  })
  after(async () => { await server.close() })

  async function listed(): Promise<ListedKey[]> {
    const res = await runCli(['keys', 'list', '--json'], env)
    assert.equal(res.status, 0, res.stderr)
    return JSON.parse(res.stdout) as ListedKey[]
  }

  it('When no key exists yet, then keys list says the service makes the first ones', async () => {
    const res = await runCli(['keys', 'list'], env)
    assert.deepEqual([res.status, res.stderr], [0, ''])
    assert.equal(res.stdout, 'No signing keys yet: the service makes the first ones when it starts (or run `keys rotate`).\n')
  })

  it('When keys rotate, then it prints the new kids and when they sign, keys list shows them next to the signing ones, and it is audited', async () => {
    // The keys the running service made at its first start (what the provider's keystore does on an empty table).
    const first = await createSigningKeys({ db: server.db, secretKey: TEST_SECRET_KEY, prepublishSeconds: 900 }).keystore(Date.now())
    const before = Date.now()
    const res = await runCli(['keys', 'rotate'], env)
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stderr, '')
    const lines = res.stdout.split('\n')
    assert.equal(lines[0], 'Generating a new ES256 and EdDSA signing key...')
    assert.match(lines[1] ?? '', /^ {2}ES256 {2}[\w-]{43} {2}published now, signing from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 15 min\)$/)
    assert.match(lines[2] ?? '', /^ {2}EdDSA {2}[\w-]{43} {2}published now, signing from \S+ \(in 15 min\)$/)
    assert.equal(lines[3], 'The keys they replace stay published; `npm run cli -- keys prune` drops them once no token they signed is valid.')

    const keys = await listed()
    assert.deepEqual(keys.map((k) => [k.alg, k.state]), [['ES256', 'signing'], ['EdDSA', 'signing'], ['ES256', 'next'], ['EdDSA', 'next']])
    assert.deepEqual(keys.slice(0, 2).map((k) => k.kid), first.keys.map((k) => k.kid))
    assert.deepEqual(keys.slice(2).map((k) => k.kid), [lines[1]?.split(/\s+/)[2], lines[2]?.split(/\s+/)[2]])
    for (const k of keys) assert.match(k.created, ISO)
    const signingFrom = Date.parse(keys[2]?.signing_from ?? '')
    assert.ok(signingFrom >= Math.floor(before / 1000) * 1000 + 900_000 && signingFrom <= Date.now() + 900_000, keys[2]?.signing_from)
    assert.deepEqual(keys.map((k) => k.retired), [keys[2]?.signing_from, keys[2]?.signing_from, null, null])

    const table = (await runCli(['keys', 'list'], env)).stdout.split('\n')
    assert.match(table[0] ?? '', /^kid {42}alg {4}state {4}created {15}signing from {10}retired$/)
    assert.match(table[1] ?? '', /^[\w-]{43} {2}ES256 {2}signing {2}\S+Z {2}\S+Z {2}\S+Z$/)
    assert.match(table[3] ?? '', /^[\w-]{43} {2}ES256 {2}next {5}\S+Z {2}\S+Z$/)

    const audit = await server.db.selectFrom('auditEvents').select(['type', 'data', 'userAgent']).where('type', '=', 'admin.action').execute()
    const rotated = { action: 'keys rotate', target: keys.slice(2).map((k) => k.kid).join(' ') }
    assert.deepEqual(audit.map((e) => [e.userAgent, JSON.parse(e.data) as unknown]), [['cli', rotated]])
  })

  it('When retired keys are within the token lifetime, then keys prune keeps them; past it, it drops exactly them', async () => {
    const keep = await runCli(['keys', 'prune'], env)
    assert.deepEqual([keep.status, keep.stdout, keep.stderr], [0, 'No retired key to drop: each was retired less than 14 days ago, or none is retired.\n', ''])

    // Age the stored timestamps, as if the rotation had happened 15 days ago (no waiting in tests).
    const aged = Date.now() - 15 * DAY
    await server.db.updateTable('oidcSigningKeys').set({ activeFrom: aged - DAY, retiredAt: aged }).where('retiredAt', 'is not', null).execute()
    await server.db.updateTable('oidcSigningKeys').set({ activeFrom: aged }).where('retiredAt', 'is', null).execute()
    const retired = (await listed()).filter((k) => k.state === 'retired').map((k) => k.kid).sort()
    assert.equal(retired.length, 2)

    const res = await runCli(['keys', 'prune'], env)
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stdout, `Dropped 2 retired keys (no longer in the JWKS):\n  ${retired[0]}\n  ${retired[1]}\n`)
    assert.deepEqual((await listed()).map((k) => [k.alg, k.state]), [['ES256', 'signing'], ['EdDSA', 'signing']])
    const audit = await server.db.selectFrom('auditEvents').select('data').where('type', '=', 'admin.action').orderBy('id').execute()
    assert.deepEqual(JSON.parse(audit.at(-1)?.data ?? '{}'), { action: 'keys prune', target: retired.join(' ') })
  })

  it('When OIDC_KEY_PREPUBLISH_SECONDS is 0, then the rotated keys sign at once', async () => {
    const res = await runCli(['keys', 'rotate'], { ...env, OIDC_KEY_PREPUBLISH_SECONDS: '0' })
    assert.equal(res.status, 0, res.stderr)
    assert.match(res.stdout, /^ {2}ES256 {2}\S+ {2}published now, signing from \S+ \(now\)$/m)
    assert.deepEqual((await listed()).map((k) => k.state), ['retired', 'retired', 'signing', 'signing'])
  })

  it('When SECRET_KEY is not the one the keys were sealed under, then rotate fails with what to do, on one line, and adds no key', async () => {
    const count = (await listed()).length
    const res = await runCli(['keys', 'rotate'], { ...env, SECRET_KEY: 'another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz' })
    assert.equal(res.status, 1)
    assert.equal(res.stdout, 'Generating a new ES256 and EdDSA signing key...\n')
    assert.match(res.stderr, /^The OIDC signing key [\w-]{43} does not open with this SECRET_KEY: the keys in the table oidc_signing_keys were sealed under another SECRET_KEY\. Run the service with the SECRET_KEY they were made with; or, to replace them \(every token they signed stops verifying\), delete the rows of oidc_signing_keys: new keys are made at the next start\.\n$/)
    assert.equal((await listed()).length, count)
  })

  it('When the subcommand is missing, unknown or has extra arguments, then the usage is shown (exit 0 for help, 1 for a mistake)', async () => {
    const help = await runCli(['keys'], env)
    assert.equal(help.status, 0)
    assert.match(help.stdout, /^Usage: npm run cli -- keys <subcommand>\n\n {2}list \[--json\]/)
    assert.equal((await runCli(['keys', '--help'], env)).stdout, help.stdout)
    const unknown = await runCli(['keys', 'make'], env)
    assert.equal(unknown.status, 1)
    assert.match(unknown.stderr, /^Unknown keys subcommand "make"\.\n\nUsage: npm run cli -- keys/)
    const extra = await runCli(['keys', 'prune', 'now'], env)
    assert.equal(extra.status, 1)
    assert.match(extra.stderr, /^Usage: npm run cli -- keys/)
  })
})
