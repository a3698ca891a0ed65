import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { registerAndActivate } from '../helpers/flows.ts'
import { addFaculty, approvedUniversity, loginSiteAdmin, registerUniversity, STAFF_PASSWORD } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { userIdOf } from '../helpers/universities.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'
import { assertNoSecretsLogged, eventsAfter, lastEventId } from '../helpers/audit.ts'

const AGENT = 'audit-test/2.0'

describe('Audit log: university, faculty, department and operator actions (API.md §13)', () => {
  let server: TestServer
  let siteAdmin: Staff
  const secrets: string[] = [STAFF_PASSWORD]
  before(async () => {
    server = await startServer()
    siteAdmin = await loginSiteAdmin(server)
    secrets.push(siteAdmin.access)
  })
  after(async () => { await server.close() })

  const as = (staff: Staff) => ({ bearer: staff.access, headers: { 'user-agent': AGENT } })

  it('When a university registers and is approved, disapproved, banned and unbanned, then each is its event with the actor', async () => {
    const api = client(server.base)
    const since = await lastEventId(server.db)
    const university = await registerUniversity(server)
    for (const action of ['approve', 'disapprove', 'ban', 'unban']) {
      assert.equal((await api.post(`/api/university/${action}/`, { university_id: university.id }, as(siteAdmin))).status, 200)
    }
    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.actorId, e.userId, e.universityId]), [
      ['university.created', null, university.adminId, university.id],
      ['user.registered', null, university.adminId, university.id],
      ['university.approved', siteAdmin.id, university.adminId, university.id],
      ['university.disapproved', siteAdmin.id, university.adminId, university.id],
      ['university.banned', siteAdmin.id, university.adminId, university.id],
      ['university.unbanned', siteAdmin.id, university.adminId, university.id],
    ])
    assert.deepEqual(events[1]?.data, { via: 'university', email: university.adminEmail, username: university.adminUsername, user_type: 5 })
    assert.equal(events[2]?.userAgent, AGENT)
    assert.ok(events[2]?.sessionId)
  })

  it('When a university admin adds and removes faculty and departments, then each is its event of that university', async () => {
    const api = client(server.base)
    const { university, admin } = await approvedUniversity(server, siteAdmin)
    secrets.push(admin.access)
    const since = await lastEventId(server.db)
    const faculty = await addFaculty(server, admin)
    assert.equal((await api.post('/api/university/remove-faculty/', { faculty_id: faculty.id }, as(admin))).status, 200)
    const created = await api.post('/api/department/create/', { name: 'Physics', code: 'PHY' }, as(admin))
    assert.equal(created.status, 200)
    const departmentId = (created.body as { id: number }).id
    assert.equal((await api.post('/api/department/delete/', { department_id: departmentId }, as(admin))).status, 200)
    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.actorId, e.userId, e.universityId]), [
      ['faculty.added', admin.id, faculty.id, university.id],
      ['user.registered', admin.id, faculty.id, university.id],
      ['faculty.removed', admin.id, faculty.id, university.id],
      ['user.deleted', admin.id, faculty.id, university.id],
      ['department.created', admin.id, null, university.id],
      ['department.deleted', admin.id, null, university.id],
    ])
    assert.deepEqual(events[4]?.data, { department_id: departmentId, name: 'Physics', code: 'PHY' })
    assert.deepEqual(events[3]?.data, { via: 'faculty_removed', email: faculty.email })
  })

  it('When a site admin deletes another user, then user.deleted names the admin as actor', async () => {
    const user = await registerAndActivate(server)
    secrets.push(user.password)
    const id = await userIdOf(server.db, user.email)
    const since = await lastEventId(server.db)
    assert.equal((await client(server.base).delete(`/api/users/${id}/`, {}, as(siteAdmin))).status, 204)
    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.actorId, e.userId, e.data.via]), [['user.deleted', siteAdmin.id, id, 'admin']])
  })

  it('When an operator acts from the command line, then the change and an admin.action naming the command are recorded', async () => {
    const env = cliEnv(server.database)
    const user = await registerAndActivate(server)
    const id = await userIdOf(server.db, user.email)
    const university = await registerUniversity(server)
    const since = await lastEventId(server.db)
    const password = 'Operator-Chosen-Pass-9'
    secrets.push(password)
    const steps = [
      await runCli(['users', 'deactivate', user.email], env),
      await runCli(['users', 'activate', String(id)], env),
      await runCli(['users', 'set-password', user.email, '--password-stdin'], env, `${password}\n`),
      await runCli(['universities', 'ban', String(university.id)], env),
      await runCli(['outbox', 'retry'], env),
      await runCli(['createsuperuser', '--email', 'ops@example.com', '--username', 'ops', '--noinput'], cliEnv(server.database, {
        SUPERUSER_PASSWORD: 'Ops-Superuser-Pass-3',
      })),
    ]
    secrets.push('Ops-Superuser-Pass-3')
    assert.deepEqual(steps.map((s) => s.status), [0, 0, 0, 0, 0, 0], steps.map((s) => s.stderr).join(''))
    const opsId = await userIdOf(server.db, 'ops@example.com')
    const events = await eventsAfter(server.db, since)
    assert.deepEqual(events.map((e) => [e.type, e.userId, e.data.action ?? e.data.via ?? null]), [
      ['admin.action', id, 'users deactivate'], ['user.updated', id, 'operator'],
      ['admin.action', id, 'users activate'], ['user.activated', id, 'operator'],
      ['admin.action', id, 'users set-password'], ['password.changed', id, 'operator'],
      ['admin.action', university.adminId, 'universities ban'], ['university.banned', university.adminId, null],
      ['admin.action', null, 'outbox retry'],
      ['admin.action', opsId, 'createsuperuser'], ['user.registered', opsId, 'createsuperuser'],
    ])
    assert.ok(events.every((e) => e.actorId === null && e.ip === null && e.userAgent === 'cli'))
    assert.deepEqual(events[0]?.data, { action: 'users deactivate', target: 'user.updated' })
  })

  it('When every story of this file has run, then no password, token or hash is anywhere in the log', async () => {
    await assertNoSecretsLogged(server.db, secrets)
  })
})
