import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login } from '../helpers/flows.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'
import {
  APPROVAL_SUBJECT, STAFF_PASSWORD, approvedUniversity, loginSiteAdmin, mailTo, registerUniversity, setPasswordFromMail,
} from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'

const MAIL_QUEUED = 'The mail to its admin (if it has one) is queued: the running service sends it at its next poll.'

// @see issue 12, item 14: the site admin's university actions from the command line, through the routes' services.
describe('npm run cli -- universities', () => {
  let server: TestServer
  let api: Client
  let env: Record<string, string>
  let siteAdmin: Staff
  before(async () => {
    server = await startServer()
    api = client(server.base)
    env = cliEnv(server.database)
    siteAdmin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const cli = (...args: string[]) => runCli(['universities', ...args], env)
  const publicIds = async () => ((await api.get('/api/university/list/')).body as { id: number }[]).map((u) => u.id)

  it('When universities approve runs, then its admin is an active university admin, mailed a set-password link, as by the route', async () => {
    const university = await registerUniversity(server)
    const res = await cli('approve', String(university.id))
    assert.deepEqual([res.status, res.stdout, res.stderr], [0, `University ${university.id} approved.\n${MAIL_QUEUED}\n`, ''])
    await setPasswordFromMail(server, await mailTo(server, university.adminEmail, APPROVAL_SUBJECT, /has been approved/))
    const { access } = await login(api, university.adminEmail, STAFF_PASSWORD)
    const me = (await api.get('/api/users/me/', { bearer: access })).body as { user_type: number; university: number }
    assert.deepEqual([me.user_type, me.university], [1, university.id])
    assert.ok((await publicIds()).includes(university.id))
  })

  it('When universities list runs, then --pending and --approved print what the routes answer, --banned the banned ones', async () => {
    const pending = await registerUniversity(server)
    const banned = await registerUniversity(server)
    assert.equal((await cli('approve', String(banned.id))).status, 0)
    assert.deepEqual((await cli('ban', String(banned.id))).stdout, `University ${banned.id} banned.\n`)

    for (const state of ['pending', 'approved'] as const) {
      const listed = await cli('list', `--${state}`, '--json')
      assert.equal(listed.status, 0, listed.stderr)
      const route = await api.get(`/api/university/${state}/`, { bearer: siteAdmin.access })
      assert.deepEqual(JSON.parse(listed.stdout), route.body, state)
    }
    const bannedOnly = JSON.parse((await cli('list', '--banned', '--json')).stdout) as { id: number; is_banned: boolean }[]
    assert.deepEqual(bannedOnly.map((u) => [u.id, u.is_banned]), [[banned.id, true]])

    const all = await cli('list')
    assert.equal(all.status, 0, all.stderr)
    const lines = all.stdout.trimEnd().split('\n')
    assert.match(lines[0] ?? '', /^id\s+name\s+domain\s+approved\s+banned\s+admin$/)
    const row = lines.find((l) => l.startsWith(`${pending.id} `)) ?? ''
    const email = pending.adminEmail.replace(/\./g, '\\.')
    assert.match(row, new RegExp(`^${pending.id}\\s+${pending.name}\\s+\\S+\\s+no\\s+no\\s+${email} \\(id ${pending.adminId}, inactive\\)$`))
    assert.match(lines.find((l) => l.startsWith(`${banned.id} `)) ?? '', /\s+yes\s+yes\s+/)
  })

  it('When universities disapprove runs, then its admin is deactivated, their tokens die, and they are told by mail', async () => {
    const { university, admin } = await approvedUniversity(server, siteAdmin)
    const res = await cli('disapprove', String(university.id))
    assert.deepEqual([res.status, res.stdout], [0, `University ${university.id} disapproved.\n${MAIL_QUEUED}\n`])
    assert.equal((await api.get('/api/users/me/', { bearer: admin.access })).status, 401)
    assert.equal((await api.post('/api/jwt/create/', { email: admin.email, password: STAFF_PASSWORD })).status, 401)
    await mailTo(server, admin.email, APPROVAL_SUBJECT, /disapproved/)
    assert.ok(!(await publicIds()).includes(university.id))
  })

  it('When universities ban and unban run, then the university leaves the public list and comes back', async () => {
    const { university } = await approvedUniversity(server, siteAdmin)
    assert.deepEqual((await cli('ban', String(university.id))).stdout, `University ${university.id} banned.\n`)
    assert.ok(!(await publicIds()).includes(university.id))
    assert.deepEqual((await cli('unban', String(university.id))).stdout, `University ${university.id} unbanned.\n`)
    assert.ok((await publicIds()).includes(university.id))
  })

  it('When the id is unknown or not a number, or the command is malformed, then it says what is wrong and exits 1', async () => {
    const unknown = await cli('approve', '99999')
    assert.deepEqual([unknown.status, unknown.stdout, unknown.stderr],
      [1, '', 'No university with id 99999: `npm run cli -- universities list` shows the ids.\n'])
    const word = await cli('ban', 'abc')
    assert.deepEqual([word.status, word.stderr], [1, 'A university id is a whole number, got "abc".\n'])
    const twoStates = await cli('list', '--pending', '--banned')
    assert.deepEqual([twoStates.status, twoStates.stderr], [1, 'Choose one of --pending, --approved and --banned, got --pending --banned.\n'])
    const noId = await cli('approve')
    assert.equal(noId.status, 1)
    assert.match(noId.stderr, /^Usage: npm run cli -- universities <subcommand>/)
    const other = await cli('delete', '1')
    assert.equal(other.status, 1)
    assert.match(other.stderr, /^Unknown universities subcommand "delete"\.\n\nUsage: npm run cli -- universities <subcommand>/)
  })
})
