import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { createTestDatabase } from '../helpers/database.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { freePort } from '../helpers/ports.ts'
import { startSmtpSink } from '../helpers/smtp-sink.ts'
import { cliEnv, runCli } from '../helpers/cli.ts'

const MIGRATIONS = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort()

// CI names a Redis server; elsewhere the Redis check is skipped, as for a deployment without REDIS_URL.
const redisUrl = process.env.REDIS_URL_FOR_TESTS

/** `check`'s line for one check: name, status, detail. */
function lineOf(stdout: string, name: string): string {
  return stdout.split('\n').find((l) => l.startsWith(name)) ?? `(no ${name} line in ${stdout})`
}

describe('npm run cli -- check, migrate', () => {
  let database: TestDatabase
  before(async () => { database = await createTestDatabase() })
  after(async () => { await database.drop() })

  it('When the database is not migrated and neither SMTP nor Redis answers, then check names each failure and exits 1', async () => {
    const down = await freePort()
    const res = await runCli(['check'], cliEnv(database, { EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(down), REDIS_URL: `redis://127.0.0.1:${down}` }))
    assert.equal(res.status, 1, res.stdout + res.stderr)
    assert.match(lineOf(res.stdout, 'configuration'), /^configuration\s+ok\s+development; serves http:\/\/localhost:3000 links as UniLink$/)
    assert.match(lineOf(res.stdout, 'mail templates'), /^mail templates\s+ok\s+ours/)
    assert.match(
      lineOf(res.stdout, 'database'),
      new RegExp(`^database\\s+FAILED\\s+(SQLite|PostgreSQL) .*: ${MIGRATIONS.length} migrations `
        + `pending \\(${MIGRATIONS.join(', ')}\\); run npm run cli -- migrate$`),
    )
    assert.match(lineOf(res.stdout, 'mail delivery'), new RegExp(`^mail delivery\\s+FAILED\\s+connect ECONNREFUSED 127\\.0\\.0\\.1:${down}$`))
    assert.match(lineOf(res.stdout, 'redis'), new RegExp(`^redis\\s+FAILED\\s+connect ECONNREFUSED 127\\.0\\.0\\.1:${down}$`))
    assert.match(res.stdout, /\n3 checks failed\.\n$/)
  })

  it('When migrate runs, then it applies every migration once', async () => {
    const first = await runCli(['migrate'], cliEnv(database))
    assert.deepEqual([first.status, first.stdout], [0, MIGRATIONS.map((m) => `Applied ${m}\n`).join('')])
    const again = await runCli(['migrate'], cliEnv(database))
    assert.deepEqual([again.status, again.stdout], [0, 'No migrations to apply; the schema is current.\n'])
  })

  it('When the database is migrated and SMTP (and Redis, where there is one) answers, then every check passes', async () => {
    const sink = await startSmtpSink()
    try {
      const redis: Record<string, string> = redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `test-${randomBytes(6).toString('hex')}:` } : {}
      const res = await runCli(['check'], cliEnv(database, { EMAIL_HOST: '127.0.0.1', EMAIL_PORT: String(sink.port), ...redis }))
      assert.equal(res.status, 0, res.stdout + res.stderr)
      assert.match(lineOf(res.stdout, 'database'), /^database\s+ok\s+.*: reachable, every migration applied$/)
      assert.match(lineOf(res.stdout, 'mail delivery'), new RegExp(`^mail delivery\\s+ok\\s+SMTP server 127\\.0\\.0\\.1:${sink.port} answers$`))
      assert.match(lineOf(res.stdout, 'redis'), redisUrl ? /^redis\s+ok\s+Redis .* answers PONG$/ : /^redis\s+skipped\s+REDIS_URL is not set/)
      assert.match(res.stdout, /\nAll checks passed\.\n$/)
    } finally {
      await sink.close()
    }
  })

  it('When the configuration or a mail template override is broken, then check says which and fails', async () => {
    const badConfig = await runCli(['check'], cliEnv(database, { PORT: 'eighty' }))
    assert.deepEqual([badConfig.status, badConfig.stdout], [2, 'configuration   FAILED   Invalid configuration: PORT must be a whole number, got "eighty".\n'])
    const badTemplates = await runCli(['check'], cliEnv(database, { EMAIL_TEMPLATES_DIR: `${database.dataDir}/no-such-folder` }))
    assert.equal(badTemplates.status, 1)
    assert.match(
      lineOf(badTemplates.stdout, 'mail templates'),
      /^mail templates\s+FAILED\s+Invalid configuration: EMAIL_TEMPLATES_DIR is not a directory: .*no-such-folder\.$/,
    )
  })
})
