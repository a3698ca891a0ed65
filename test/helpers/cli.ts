import { spawn } from 'node:child_process'
import { TEST_SECRET_KEY } from './server.ts'

/** The environment of a child process: this one's, without the test runner's own variables, plus `env`. */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env }
  delete inherited.TEST_DATABASE_URL
  delete inherited.NODE_TEST_CONTEXT
  return { ...inherited, ...env }
}

export type CliResult = { status: number | null; stdout: string; stderr: string }

const ROOT = new URL('../..', import.meta.url)

/** Settings every CLI run gets: the test secret and a cheap argon2 (as the test servers have). */
const BASE_ENV = { SECRET_KEY: TEST_SECRET_KEY, ARGON2_MEMORY_KIB: '64', ARGON2_TIME_COST: '1', LOG_LEVEL: 'silent' }

/**
 * Runs `npm run cli -- <args>` as an operator would (a process of its own, under tsx), on the database and data
 * folder given in `env`; `input` is written to its standard input. Without SIGKILL after 60 s it could hang a suite.
 */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT, env: childEnv({ ...BASE_ENV, ...env }), stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr })
    })
    child.stdin.end(input ?? '')
  })
}

/** The environment that points the CLI at a test server's database. */
export function cliEnv(database: { url: string; dataDir: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { DATABASE_URL: database.url, DATA_DIR: database.dataDir, ...extra }
}

const PROMPT = /(?:New )?Password(?: \(again\))?: /g
// ESC [ … letter: a terminal control sequence, built from a string because the regex literal would hide the ESC.
const CSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g')

/**
 * Runs the CLI on a terminal of its own (util-linux `script` gives it a pseudo-terminal), typing each of `answers`
 * once a password prompt shows, as a person would; when the answers run out, a further prompt gets Ctrl-D. stdout
 * and stderr arrive together, as on a terminal, with line ends as `\n` and without cursor movements.
 */
export function runCliOnTerminal(args: string[], env: Record<string, string>, answers: string[]): Promise<{ status: number | null; output: string }> {
  const quoted = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-q', '-e', '-c', quoted, '/dev/null'], {
      cwd: ROOT, env: childEnv({ ...BASE_ENV, ...env }), stdio: ['pipe', 'pipe', 'pipe'],
    })
    let output = ''
    let prompts = 0
    const onData = (chunk: string) => {
      // What the terminal shows: readline's cursor moves (CSI sequences) and carriage returns dropped.
      output += chunk.replace(/\r/g, '').replace(CSI, '')
      const seen = output.match(PROMPT)?.length ?? 0
      for (; prompts < seen; prompts += 1) child.stdin.write(prompts < answers.length ? `${answers[prompts]}\r` : '\x04')
    }
    child.stdout.setEncoding('utf8').on('data', onData)
    child.stderr.setEncoding('utf8').on('data', onData)
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, output })
    })
  })
}
