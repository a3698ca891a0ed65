import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { eventsAfter, lastEventId } from '../helpers/audit.ts'
import { clientSecretMatches } from '../../src/oidc/client-secrets.ts'

const SECRET_LINE = /^client_secret: {2}([\w-]{43})$/m
const ID_LINE = /^client_id: {6}([\w-]{22})$/m

// API.md §15: "also in the admin console and the CLI": the same service as POST /api/oidc/clients/, audited as the CLI's.
describe('npm run cli -- oidc clients', () => {
  let server: TestServer
  let env: Record<string, string>
  let admin: Staff
  before(async () => {
    server = await startServer()
    env = cliEnv(server.database)
    admin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const cli = (...args: string[]) => runCli(['oidc', 'clients', ...args], env)
  const hashOf = async (clientId: string) =>
    (await server.db.selectFrom('oidcClients').select('secretHash').where('clientId', '=', clientId).executeTakeFirstOrThrow()).secretHash

  it('When oidc clients add runs, then the client exists as the route shows it, its secret printed once and stored hashed, audited', async () => {
    const since = await lastEventId(server.db)
    const res = await cli('add', '--name', 'Room booking', '--redirect-uri', 'https://rooms.example.edu/cb', '--redirect-uri', 'http://localhost:3000/cb')
    assert.equal(res.status, 0, res.stderr)
    assert.equal(res.stderr, '')
    const clientId = ID_LINE.exec(res.stdout)?.[1] ?? ''
    const secret = SECRET_LINE.exec(res.stdout)?.[1] ?? ''
    assert.equal(res.stdout, `Client registered: Room booking (confidential).\nclient_id:      ${clientId}\nclient_secret:  ${secret}\n`
      + 'The secret is shown only now: put it in the client\'s configuration (it is stored hashed).\n')
    assert.equal(clientSecretMatches(secret, await hashOf(clientId)), true)

    const listed = await cli('list', '--json')
    const route = await client(server.base).get('/api/oidc/clients/', { bearer: admin.access })
    assert.deepEqual(JSON.parse(listed.stdout), route.body)
    assert.ok(!listed.stdout.includes(secret))
    const lines = (await cli('list')).stdout.trimEnd().split('\n')
    assert.match(lines[0] ?? '', /^client_id\s+name\s+type\s+first_party\s+redirect_uris$/)
    assert.match(lines.find((l) => l.startsWith(clientId)) ?? '', /^\S+\s+Room booking\s+confidential\s+no\s+https:\/\/rooms\.example\.edu\/cb http:\/\/localhost:3000\/cb$/)

    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.actorId, e.userAgent, e.data]), [
      ['admin.action', null, 'cli', { action: 'oidc clients add', target: 'oidc.client_changed' }],
      ['oidc.client_changed', null, 'cli', { client_id: clientId, change: 'created' }],
    ])
    assert.ok(!JSON.stringify(events).includes(secret))
  })

  it('When add is given a bad redirect URI, type or no name, then it fails with one line per error and stores nothing', async () => {
    const before = await server.db.selectFrom('oidcClients').selectAll().execute()
    const res = await cli('add', '--redirect-uri', 'http://app.example.edu/cb', '--redirect-uri', 'https://ok.example.edu/cb#frag', '--type', 'secret')
    assert.deepEqual([res.status, res.stdout], [1, ''])
    assert.equal(res.stderr, [
      '--name: This field is required.',
      '--redirect-uri http://app.example.edu/cb: Enter an https URL; http is allowed only on localhost, 127.0.0.1 or [::1].',
      '--redirect-uri https://ok.example.edu/cb#frag: A redirect URI may not contain a fragment (#).',
      '--type: "secret" is not a valid choice.',
    ].join('\n') + '\n')
    const none = await cli('add', '--name', 'x')
    assert.deepEqual([none.status, none.stderr], [1, '--redirect-uri: This field is required.\n'])
    assert.deepEqual(await server.db.selectFrom('oidcClients').selectAll().execute(), before)
  })

  it('When a public first-party client is added with --json, then it has no secret, and rotate-secret says why it cannot rotate', async () => {
    const res = await cli('add', '--name', 'Campus app', '--redirect-uri', 'https://app.example.edu/cb', '--type', 'public', '--first-party', '--json')
    assert.equal(res.status, 0, res.stderr)
    const made = JSON.parse(res.stdout) as Record<string, unknown>
    assert.deepEqual([made.type, made.first_party, made.client_secret], ['public', true, undefined])
    const rotate = await cli('rotate-secret', String(made.client_id))
    assert.deepEqual([rotate.status, rotate.stderr], [1, 'A public client has no secret to rotate.\n'])
  })

  it('When rotate-secret and remove run, then the old secret stops matching, then the client is gone; an unknown client_id is named', async () => {
    const added = await cli('add', '--name', 'Forum', '--redirect-uri', 'https://forum.example.edu/cb')
    const clientId = ID_LINE.exec(added.stdout)?.[1] ?? ''
    const old = SECRET_LINE.exec(added.stdout)?.[1] ?? ''
    const since = await lastEventId(server.db)
    const rotated = await cli('rotate-secret', clientId)
    assert.equal(rotated.status, 0, rotated.stderr)
    const fresh = SECRET_LINE.exec(rotated.stdout)?.[1] ?? ''
    assert.match(rotated.stdout, /^New secret for Forum; the old one no longer works\.\n/)
    const hash = await hashOf(clientId)
    assert.deepEqual([clientSecretMatches(fresh, hash), clientSecretMatches(old, hash)], [true, false])

    assert.deepEqual(await cli('remove', clientId), { status: 0, stdout: `Client ${clientId} deleted.\n`, stderr: '' })
    const gone = await client(server.base).get(`/api/oidc/clients/${clientId}/`, { bearer: admin.access })
    assert.equal(gone.status, 404)
    const again = await cli('remove', clientId)
    assert.deepEqual([again.status, again.stderr], [1, `No client with client_id "${clientId}": \`npm run cli -- oidc clients list\` shows them.\n`])
    const changes = (await eventsAfter(server.db, since)).map((e) => [e.type, e.type === 'admin.action' ? e.data.action : e.data.change])
    assert.deepEqual(changes, [
      ['admin.action', 'oidc clients rotate-secret'], ['oidc.client_changed', 'secret_rotated'],
      ['admin.action', 'oidc clients remove'], ['oidc.client_changed', 'deleted'],
    ])
  })

  it('When help is asked for or the subcommand is wrong, then the usage is printed; a wrong one fails', async () => {
    const help = await runCli(['oidc', '--help'], env)
    assert.equal(help.status, 0)
    assert.match(help.stdout, /^Usage: npm run cli -- oidc clients <subcommand>\n\n {2}list \[--json\]/)
    assert.equal((await runCli(['oidc', 'clients'], env)).stdout, help.stdout)
    const wrong = await runCli(['oidc', 'keys', 'list'], env)
    assert.equal(wrong.status, 1)
    assert.match(wrong.stderr, /^Unknown oidc subcommand "keys list"\.\n\nUsage:/)
    for (const args of [['remove'], ['list', 'extra'], ['rotate-secret', 'a', '--json'], ['list', '--name', 'x']]) {
      const bad = await cli(...args)
      assert.deepEqual([bad.status, bad.stderr.startsWith('Usage: npm run cli -- oidc clients')], [1, true], args.join(' '))
    }
  })
})
