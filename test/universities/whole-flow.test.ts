import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createSiteAdmin } from '../../src/accounts/site-admins.ts'
import { createPasswordHasher } from '../../src/platform/password-hashing.ts'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { linkParts } from '../helpers/smtp-sink.ts'

/**
 * The story README's "Universities: the whole flow" tells with curl, end to end over HTTP: a university registers, the site
 * admin approves it, its admin sets a password from the mail and logs in, adds a department and a faculty member,
 * and a student registers at that university in that department.
 */
describe('Universities: the whole flow', () => {
  let server: TestServer
  let api: Client

  before(async () => {
    server = await startServer()
    api = client(server.base)
  })
  after(async () => { await server.close() })

  async function loginFor(email: string, password: string): Promise<string> {
    const res = await api.post('/api/jwt/create/', { email, password })
    assert.equal(res.status, 200, `login of ${email}: ${res.text}`)
    return (res.body as { access: string }).access
  }

  async function setPasswordFromMail(email: string, subject: string, password: string): Promise<void> {
    const mail = await server.mail.waitFor((m) => m.to === email && m.subject === subject)
    const res = await api.post('/api/users/reset_password_confirm/', {
      ...linkParts(mail, 'nl/password-reset'), new_password: password, re_new_password: password,
    })
    assert.equal(res.status, 204, res.text)
  }

  it('When a university registers and is approved, then its admin, faculty and students can all take part', async () => {
    // 1. The operator creates a site admin (npm run createsuperuser), who logs in.
    const hasher = createPasswordHasher(server.config.passwordHashing)
    await createSiteAdmin(server.db, hasher, {
      email: 'root@unilink.example', username: 'root', firstName: '', lastName: '', password: 'Site-Admin-Pass-1',
    })
    const siteAdmin = await loginFor('root@unilink.example', 'Site-Admin-Pass-1')

    // 2. A university registers itself with its admin; it is pending, so students cannot choose it yet.
    const created = await api.post('/api/university/create/', {
      name: 'Example University', domain: 'example.edu', doc_url: 'https://example.edu/charter.pdf',
      admin: { first_name: 'Grace', last_name: 'Hopper', username: 'grace', email: 'grace@example.edu' },
    })
    assert.equal(created.status, 200, created.text)
    const universityId = (created.body as { id: number }).id
    assert.deepEqual((await api.get('/api/university/list/')).body, [])
    const early = await api.post('/api/users/', {
      first_name: 'Ada', last_name: 'Lovelace', username: 'ada', email: 'ada@example.edu',
      password: 'Analytical-Engine-1843', re_password: 'Analytical-Engine-1843', university: universityId,
    })
    assert.equal(early.status, 400)

    // 3. The site admin finds it among the pending universities and approves it.
    const pending = await api.get('/api/university/pending/', { bearer: siteAdmin })
    assert.deepEqual((pending.body as { id: number }[]).map((u) => u.id), [universityId])
    const approved = await api.post('/api/university/approve/', { university_id: universityId }, { bearer: siteAdmin })
    assert.deepEqual([approved.status, approved.body], [200, { status: 'success', message: 'University approved' }])
    assert.deepEqual((await api.get('/api/university/list/')).body, [{ id: universityId, name: 'Example University' }])

    // 4. The admin sets a password from the approval mail and logs in as a university admin.
    await setPasswordFromMail('grace@example.edu', 'University Approval Status Change', 'Compiler-Pioneer-1952')
    const admin = await loginFor('grace@example.edu', 'Compiler-Pioneer-1952')
    const adminMe = (await api.get('/api/users/me/', { bearer: admin })).body as { user_type: number; university: number }
    assert.deepEqual([adminMe.user_type, adminMe.university], [1, universityId])

    // 5. The admin adds a department and a faculty member, who sets a password from their mail and logs in.
    const department = await api.post('/api/department/create/', { name: 'Computer Science', code: 'CSE' }, { bearer: admin })
    assert.equal(department.status, 200, department.text)
    const departmentId = (department.body as { id: number }).id
    const added = await api.post('/api/university/add-faculty/', {
      first_name: 'Alan', last_name: 'Turing', username: 'alan', email: 'alan@example.edu',
    }, { bearer: admin })
    assert.deepEqual([added.status, added.body], [200, { status: 'success', message: 'Faculty added' }])
    await setPasswordFromMail('alan@example.edu', 'UniLink Account Created', 'Enigma-Breaker-1941')
    const faculty = await loginFor('alan@example.edu', 'Enigma-Breaker-1941')
    const facultyMe = (await api.get('/api/users/me/', { bearer: faculty })).body as { user_type: number; university: number }
    assert.deepEqual([facultyMe.user_type, facultyMe.university], [3, universityId])
    const facultyList = (await api.get('/api/university/faculty-list/', { bearer: admin })).body as { email: string }[]
    assert.deepEqual(facultyList.map((f) => f.email), ['alan@example.edu'])

    // 6. A student picks the university and its department, registers, activates the account and logs in.
    const departments = await api.get(`/api/department/get/?university_id=${universityId}`)
    assert.deepEqual(departments.body, [{ id: departmentId, name: 'Computer Science', code: 'CSE', university: universityId }])
    const registered = await api.post('/api/users/', {
      first_name: 'Ada', last_name: 'Lovelace', username: 'ada', email: 'ada@example.edu',
      password: 'Analytical-Engine-1843', re_password: 'Analytical-Engine-1843', university: universityId, department: departmentId,
    })
    assert.equal(registered.status, 201, registered.text)
    const activation = await server.mail.waitFor((m) => m.to === 'ada@example.edu' && m.subject === 'Account activation on UniLink')
    assert.equal((await api.post('/api/users/activation/', linkParts(activation, 'nl/activation'))).status, 204)
    const student = await loginFor('ada@example.edu', 'Analytical-Engine-1843')
    const studentMe = (await api.get('/api/users/me/', { bearer: student })).body as Record<string, unknown>
    assert.deepEqual(
      [studentMe.user_type, studentMe.university, studentMe.department],
      [5, universityId, departmentId],
    )
  })
})
