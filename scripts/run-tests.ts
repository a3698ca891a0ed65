import { spawnSync } from 'node:child_process'
import { globSync } from 'glob'

// One runner (node:test under tsx). Node 20's --test does not expand globs, so the file list is expanded here.
// The suite runs on SQLite, then again on PostgreSQL when TEST_DATABASE_URL names a server (CI sets it).
const patterns = process.argv.slice(2)
const files = globSync(patterns.length > 0 ? patterns : ['test/**/*.test.ts'], { ignore: ['node_modules/**'] }).sort()
if (files.length === 0) {
  process.stderr.write('No test files matched.\n')
  process.exit(1)
}

function run(label: string, env: NodeJS.ProcessEnv): number {
  process.stdout.write(`\n=== test suite on ${label} (${files.length} files) ===\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
    stdio: 'inherit',
    env,
  })
  return result.status ?? 1
}

const { TEST_DATABASE_URL, ...withoutPg } = process.env
let status = run('SQLite', withoutPg)
if (TEST_DATABASE_URL) status = run('PostgreSQL', { ...process.env, TEST_DATABASE_URL }) || status
process.exit(status)
