import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, TEST_SECRET_KEY } from '../helpers/server.ts'
import type { TestServer } from '../helpers/server.ts'
import { client } from '../helpers/http.ts'
import { linkParts } from '../helpers/smtp-sink.ts'
import { newUser } from '../helpers/flows.ts'
import { childEnv } from '../helpers/cli.ts'
import { MAIL_TEMPLATES } from '../../src/mail/templates.ts'

const OWN_ACTIVATION_TEXT = 'Welcome to {{ site_name }} ({{ site_url }})!\nConfirm your address: {{ url }}\n'

describe('mail templates: EMAIL_TEMPLATES_DIR and npm run mail:preview', () => {
  let server: TestServer
  let templates: string
  let work: string
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'unilink-mail-templates-'))
    templates = join(work, 'templates')
    mkdirSync(templates)
    writeFileSync(join(templates, 'activation.txt'), OWN_ACTIVATION_TEXT)
    server = await startServer({ EMAIL_TEMPLATES_DIR: templates, SITE_NAME: 'Campus', PROTOCOL: 'https', DOMAIN: 'campus.example' })
  })
  after(async () => {
    await server.close()
    rmSync(work, { recursive: true, force: true })
  })

  it("When a user registers, then the activation mail's text is the operator's template and its HTML is ours, both branded", async () => {
    const body = newUser()
    assert.equal((await client(server.base).post('/api/users/', body)).status, 201)
    const mail = await server.mail.waitFor((m) => m.to === body.email)
    assert.equal(mail.subject, 'Account activation on Campus')
    const { uid, token } = linkParts(mail, 'nl/activation')
    const url = `https://campus.example/nl/activation/${uid}/${token}`
    assert.equal(mail.text, `Welcome to Campus (https://campus.example/)!\nConfirm your address: ${url}\n`)
    assert.ok(mail.html.includes(`href="${url}"`), mail.html)
    assert.ok(mail.html.includes('>Campus</a>'), mail.html)
    assert.ok(mail.html.includes('The Campus team'), mail.html)
  })

  it('When npm run mail:preview runs, then every mail is written as text and HTML with the sample data and the override', () => {
    const out = join(work, 'preview')
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'mail-preview', '--out', out], {
      encoding: 'utf8',
      cwd: new URL('../..', import.meta.url),
      env: childEnv({ SECRET_KEY: TEST_SECRET_KEY, DATA_DIR: work, SITE_NAME: 'Campus', EMAIL_TEMPLATES_DIR: templates }),
    })
    assert.equal(run.status, 0, run.stderr)
    const names = Object.keys(MAIL_TEMPLATES)
    assert.equal(run.stdout, `Wrote ${names.length} mails (text and HTML) to ${out}; open ${join(out, 'index.html')}.\n`)
    assert.deepEqual(readdirSync(out).sort(), [...names.flatMap((n) => [`${n}.html`, `${n}.txt`]), 'index.html'].sort())
    assert.match(readFileSync(join(out, 'activation.txt'), 'utf8'), /^Subject: Account activation on Campus\nTo: .+\n\nWelcome to Campus/)
    const approved = readFileSync(join(out, 'university-approved.html'), 'utf8')
    assert.ok(approved.includes('King&#39;s College &#60;London&#62;'), approved)
    const index = readFileSync(join(out, 'index.html'), 'utf8')
    for (const subject of ['Password reset on Campus', 'Email reset on Campus', 'University Approval Status Change', 'UniLink Account Created']) {
      assert.ok(index.includes(subject), subject)
    }
  })
})
