import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import type { Client } from '../helpers/http.ts'
import { login, registerAndActivate } from '../helpers/flows.ts'
import { loginSiteAdmin } from '../helpers/university-flows.ts'
import type { Staff } from '../helpers/university-flows.ts'
import { storedEvents } from '../helpers/audit.ts'
import { clientSecretMatches, hashClientSecret } from '../../src/oidc/client-secrets.ts'

type ClientJson = {
  client_id: string; name: string; type: string; first_party: boolean; redirect_uris: string[]; post_logout_redirect_uris: string[]
  created: string; updated: string; client_secret?: string
}
const KEYS = ['client_id', 'name', 'type', 'first_party', 'redirect_uris', 'post_logout_redirect_uris', 'created', 'updated']
const HTTPS_ONLY = ['Enter an https URL; http is allowed only on localhost, 127.0.0.1 or [::1].']
const NO_FRAGMENT = ['A redirect URI may not contain a fragment (#).']
const NOT_FOUND = { detail: 'Not found.' }

describe('POST/GET /api/oidc/clients/, GET/PATCH/DELETE /api/oidc/clients/{client_id}/, POST …/rotate-secret/ (API.md §15)', () => {
  let server: TestServer
  let api: Client
  let admin: Staff
  before(async () => {
    server = await startServer()
    api = client(server.base)
    admin = await loginSiteAdmin(server)
  })
  after(async () => { await server.close() })

  const create = (body: unknown) => api.post('/api/oidc/clients/', body, { bearer: admin.access })
  const valid = { name: 'Library', redirect_uris: ['https://library.example.edu/oidc/callback'], type: 'confidential' }

  it('When anonymous or not a site admin, then every client route answers 401 or 403, before the body is read', async () => {
    const user = await registerAndActivate(server)
    const { access } = await login(api, user.email, user.password)
    for (const [method, path] of [['POST', '/api/oidc/clients/'], ['GET', '/api/oidc/clients/'], ['GET', '/api/oidc/clients/x/'],
      ['PATCH', '/api/oidc/clients/x/'], ['DELETE', '/api/oidc/clients/x/'], ['POST', '/api/oidc/clients/x/rotate-secret/']] as const) {
      const json = method === 'GET' ? undefined : { name: '' }
      const anonymous = await api.call(method, path, { json })
      assert.deepEqual([anonymous.status, anonymous.body], [401, { detail: 'Authentication credentials were not provided.' }], `${method} ${path}`)
      const forbidden = await api.call(method, path, { json, bearer: access })
      assert.deepEqual([forbidden.status, forbidden.body], [403, { detail: 'You do not have permission to perform this action.' }], `${method} ${path}`)
    }
    assert.deepEqual(await server.db.selectFrom('oidcClients').selectAll().execute(), [])
  })

  it('When the body is wrong, then every bad field is a DRF field error, list items by index, and nothing is stored', async () => {
    const cases: [unknown, Record<string, unknown>][] = [
      [{}, { name: ['This field is required.'], redirect_uris: ['This field is required.'], type: ['This field is required.'] }],
      [{ ...valid, name: '  ', redirect_uris: [], type: 'private' },
        { name: ['This field may not be blank.'], redirect_uris: ['This list may not be empty.'], type: ['"private" is not a valid choice.'] }],
      [{ ...valid, redirect_uris: 'https://a.example.edu/cb' }, { redirect_uris: ['Expected a list of items but got type "str".'] }],
      [{ ...valid, redirect_uris: null, first_party: 'maybe' }, { redirect_uris: ['This field may not be null.'], first_party: ['Must be a valid boolean.'] }],
      [{ ...valid, redirect_uris: ['https://ok.example.edu/cb', 'http://app.example.edu/cb', 'https://a.example.edu/cb#x', 'nope', 7, 'ftp://x.example.edu/'] },
        { redirect_uris: { 1: HTTPS_ONLY, 2: NO_FRAGMENT, 3: ['Enter a valid URL.'], 4: ['Not a valid string.'], 5: ['Enter a valid URL.'] } }],
      [{ ...valid, post_logout_redirect_uris: ['javascript:alert(1)'], name: 'x'.repeat(201) },
        { name: ['Ensure this field has no more than 200 characters.'], post_logout_redirect_uris: { 0: ['Enter a valid URL.'] } }],
      [{ ...valid, redirect_uris: Array.from({ length: 21 }, (_, i) => `https://a.example.edu/${i}`) },
        { redirect_uris: ['Ensure this field has no more than 20 elements.'] }],
      [{ ...valid, type: ['public'], first_party: null }, { type: ['"["public"]" is not a valid choice.'], first_party: ['This field may not be null.'] }],
      [['not', 'an', 'object'], { non_field_errors: ['Invalid data. Expected a dictionary, but got list.'] }],
    ]
    for (const [body, errors] of cases) {
      const res = await create(body)
      assert.deepEqual([res.status, res.body], [400, errors], JSON.stringify(body))
    }
    assert.deepEqual(await server.db.selectFrom('oidcClients').selectAll().execute(), [])
  })

  it('When redirect URIs are https anywhere or http on loopback, then they are kept exactly, duplicates dropped', async () => {
    const uris = ['https://lms.example.edu/cb?x=1', 'http://localhost:8080/cb', 'http://127.0.0.1/cb', 'http://[::1]:9000/cb', 'https://10.0.0.5/cb',
      'https://lms.example.edu/cb?x=1']
    const res = await create({
      name: 'LMS', redirect_uris: uris, type: 'public', first_party: 'true', post_logout_redirect_uris: [' https://lms.example.edu/bye '],
    })
    assert.equal(res.status, 201, res.text)
    const body = res.body as ClientJson
    assert.deepEqual(Object.keys(body), KEYS, 'a public client gets no secret')
    assert.deepEqual([body.type, body.first_party, body.redirect_uris, body.post_logout_redirect_uris],
      ['public', true, uris.slice(0, 5), ['https://lms.example.edu/bye']])
    const row = await server.db.selectFrom('oidcClients').select('secretHash').where('clientId', '=', body.client_id).executeTakeFirstOrThrow()
    assert.equal(row.secretHash, null)
    const rotate = await api.post(`/api/oidc/clients/${body.client_id}/rotate-secret/`, {}, { bearer: admin.access })
    assert.deepEqual([rotate.status, rotate.body], [400, { detail: 'A public client has no secret to rotate.' }])
    assert.equal((await api.delete(`/api/oidc/clients/${body.client_id}/`, undefined, { bearer: admin.access })).status, 204)
  })

  it('When a site admin creates, reads, changes, rotates and deletes a client, then the secret is shown twice, stored hashed, all audited', async () => {
    const created = await create({ ...valid, unknown: 'ignored' })
    assert.equal(created.status, 201, created.text)
    const made = created.body as ClientJson
    assert.deepEqual(Object.keys(made), [...KEYS, 'client_secret'])
    assert.deepEqual([made.name, made.type, made.first_party, made.redirect_uris, made.post_logout_redirect_uris],
      ['Library', 'confidential', false, valid.redirect_uris, []])
    assert.match(made.client_id, /^[\w-]{22}$/)
    assert.match(made.client_secret ?? '', /^[\w-]{43}$/)
    assert.equal(made.created, made.updated)
    const secret = made.client_secret ?? ''
    const stored = await server.db.selectFrom('oidcClients').selectAll().where('clientId', '=', made.client_id).executeTakeFirstOrThrow()
    assert.equal(stored.secretHash, hashClientSecret(secret))
    assert.ok(!JSON.stringify(stored).includes(secret), 'the secret itself is not stored')

    const withoutSecret = Object.fromEntries(Object.entries(made).filter(([key]) => key !== 'client_secret'))
    const listed = await api.get('/api/oidc/clients/', { bearer: admin.access })
    assert.deepEqual([listed.status, listed.body], [200, [withoutSecret]])
    const one = await api.get(`/api/oidc/clients/${made.client_id}/`, { bearer: admin.access })
    assert.deepEqual([one.status, one.body], [200, withoutSecret])

    const patched = await api.patch(`/api/oidc/clients/${made.client_id}/`, {
      name: ' Library (new) ', first_party: 1, type: 'public', post_logout_redirect_uris: ['https://library.example.edu/bye'],
    }, { bearer: admin.access })
    assert.equal(patched.status, 200, patched.text)
    const changed = patched.body as ClientJson
    assert.deepEqual([changed.name, changed.first_party, changed.type, changed.redirect_uris, changed.post_logout_redirect_uris],
      ['Library (new)', true, 'confidential', valid.redirect_uris, ['https://library.example.edu/bye']], 'type is fixed at creation')
    assert.equal(changed.client_secret, undefined)
    const badPatch = await api.patch(`/api/oidc/clients/${made.client_id}/`, { redirect_uris: [], name: '' }, { bearer: admin.access })
    assert.deepEqual([badPatch.status, badPatch.body], [400, { name: ['This field may not be blank.'], redirect_uris: ['This list may not be empty.'] }])

    const rotated = await api.post(`/api/oidc/clients/${made.client_id}/rotate-secret/`, undefined, { bearer: admin.access })
    assert.equal(rotated.status, 200, rotated.text)
    const newSecret = (rotated.body as ClientJson).client_secret ?? ''
    assert.match(newSecret, /^[\w-]{43}$/)
    assert.notEqual(newSecret, secret)
    const after = await server.db.selectFrom('oidcClients').select('secretHash').where('clientId', '=', made.client_id).executeTakeFirstOrThrow()
    assert.deepEqual([clientSecretMatches(newSecret, after.secretHash), clientSecretMatches(secret, after.secretHash)], [true, false])
    assert.equal(((await api.get(`/api/oidc/clients/${made.client_id}/`, { bearer: admin.access })).body as ClientJson).client_secret, undefined)

    assert.equal((await api.delete(`/api/oidc/clients/${made.client_id}/`, undefined, { bearer: admin.access })).status, 204)
    for (const [method, path] of [['GET', `/api/oidc/clients/${made.client_id}/`], ['DELETE', `/api/oidc/clients/${made.client_id}/`],
      ['PATCH', `/api/oidc/clients/${made.client_id}/`], ['POST', `/api/oidc/clients/${made.client_id}/rotate-secret/`],
      ['GET', `/api/oidc/clients/${'x'.repeat(500)}/`], ['GET', '/api/oidc/clients/%E2%82%AC/']] as const) {
      const gone = await api.call(method, path, { bearer: admin.access, json: method === 'GET' ? undefined : { name: 'n' } })
      assert.deepEqual([gone.status, gone.body], [404, NOT_FOUND], `${method} ${path}`)
    }

    const changes = (await storedEvents(server.db)).filter((e) => e.type === 'oidc.client_changed' && e.data.client_id === made.client_id)
    assert.deepEqual(changes.map((e) => [e.data, e.actorId]), [
      [{ client_id: made.client_id, change: 'created' }, admin.id], [{ client_id: made.client_id, change: 'updated' }, admin.id],
      [{ client_id: made.client_id, change: 'secret_rotated' }, admin.id], [{ client_id: made.client_id, change: 'deleted' }, admin.id],
    ])
    const dump = JSON.stringify(await storedEvents(server.db)) + server.logs.lines.map((l) => JSON.stringify(l)).join('\n')
    for (const s of [secret, newSecret, hashClientSecret(secret), hashClientSecret(newSecret)]) assert.ok(!dump.includes(s), 'no secret or hash in the log')
  })
})
