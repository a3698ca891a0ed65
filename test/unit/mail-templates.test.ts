import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { DEFAULT_TEMPLATES_DIR, MAIL_TEMPLATES, loadMailTemplates } from '../../src/mail/templates.ts'
import { ConfigError } from '../../src/platform/env-parsers.ts'

const dirs: string[] = []
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'unilink-templates-'))
  dirs.push(dir)
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

const site = { site_name: 'Campus', site_url: 'https://campus.example/' }
const values = { ...site, url: 'https://campus.example/nl/password-reset/NQ/t-1', username: '<b>ada</b> & "co"' }

describe('mail templates', () => {
  after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }) })

  it('When the templates folder is read, then it holds a text and an HTML file for every mail and nothing else', () => {
    const expected = [...Object.keys(MAIL_TEMPLATES).flatMap((name) => [`${name}.html`, `${name}.txt`]), 'layout.html'].sort()
    assert.deepEqual(readdirSync(DEFAULT_TEMPLATES_DIR).sort(), expected)
  })

  it('When a mail is rendered, then the text part has the values as they are and the HTML part has them escaped', () => {
    const { text, html } = loadMailTemplates().render('password-reset', 'Password reset on Campus', values)
    assert.ok(text.includes('Your username, in case you\'ve forgotten: <b>ada</b> & "co"\n'), text)
    assert.ok(text.endsWith('\nThe Campus team\n'), text)
    assert.ok(html.includes('&#60;b&#62;ada&#60;/b&#62; &#38; &#34;co&#34;'), html)
    assert.ok(!html.includes('<b>ada'), html)
    assert.ok(html.includes('href="https://campus.example/nl/password-reset/NQ/t-1"'), html)
    assert.doesNotMatch(html, /\{\{|\}\}/)
  })

  it('When an operator overrides one file, then that file is used and the others stay ours', () => {
    const dir = folder({ 'password-reset.txt': 'Hi {{username}}, {{ site_name }} says: {{  url  }}\n' })
    const { text, html } = loadMailTemplates(dir).render('password-reset', 'Password reset on Campus', values)
    assert.equal(text, 'Hi <b>ada</b> & "co", Campus says: https://campus.example/nl/password-reset/NQ/t-1\n')
    assert.equal(html, loadMailTemplates().render('password-reset', 'Password reset on Campus', values).html)
  })

  it('When an override uses a placeholder its mail does not have, then loading fails naming the file and the placeholder', () => {
    const dir = folder({ 'activation.html': '<p>{{ username }}</p>' })
    assert.throws(() => loadMailTemplates(dir), (error: unknown) => error instanceof ConfigError
      && error.message.includes(join(dir, 'activation.html')) && error.message.includes('unknown placeholder {{ username }}'))
  })

  it('When an override has a malformed placeholder, then loading fails', () => {
    for (const text of ['{{ url }', '{{ Site_Name }}', 'a }} b']) {
      assert.throws(() => loadMailTemplates(folder({ 'activation.txt': text })), /EMAIL_TEMPLATES_DIR .*activation\.txt: malformed placeholder/)
    }
  })

  it('When a mail is rendered, then its HTML paragraphs sit in the layout once, under the escaped subject', () => {
    const { subject, html } = loadMailTemplates().render('password-reset', 'Reset <now> on Campus', values)
    assert.equal(subject, 'Reset <now> on Campus')
    assert.match(html, /^<!doctype html>/)
    assert.ok(html.includes('<title>Reset &#60;now&#62; on Campus</title>'), html)
    assert.equal(html.match(/<body/g)?.length, 1)
    assert.ok(html.includes('<a href="https://campus.example/" style="color:#1d4ed8;text-decoration:none">Campus</a>'), html)
    assert.ok(html.includes('>Choose a new password</a>'), html)
    assert.ok(html.trimEnd().endsWith('</html>'), html)
  })

  it('When an operator overrides the layout, then every mail is framed by it, the paragraphs unescaped', () => {
    const dir = folder({ 'layout.html': '<main title="{{ subject }}">{{ content }}</main><footer>{{ site_name }}</footer>\n' })
    const { html } = loadMailTemplates(dir).render('activation', 'Welcome & hello', { ...site, url: 'https://campus.example/a' })
    assert.match(html, /^<main title="Welcome &#38; hello"><p>You're receiving this email because you need to finish activation process on Campus\.<\/p>/)
    assert.ok(html.endsWith('</main><footer>Campus</footer>\n'), html)
    assert.throws(() => loadMailTemplates(folder({ 'layout.html': '{{ url }}' })), /layout\.html: unknown placeholder \{\{ url \}\}/)
  })

  it('When the folder holds a file no mail uses, or is no folder, then loading fails', () => {
    assert.throws(() => loadMailTemplates(folder({ 'activaton.txt': '{{ url }}' })), /EMAIL_TEMPLATES_DIR has files no mail uses: activaton\.txt/)
    assert.throws(() => loadMailTemplates(join(tmpdir(), 'no-such-unilink-templates')), /EMAIL_TEMPLATES_DIR is not a directory/)
  })
})
