// The servers under test, each a child process: the service (the production bundle, with bench/probe.ts preloaded
// for memory and event-loop figures over IPC) and the bare Fastify route that shows this machine's ceiling.
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { buildBundle } from '../scripts/build.ts'
import type { ProbeCommand, ProbeReport } from './probe.ts'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BENCH_DIST = join(ROOT, 'dist/bench')

export type Artifacts = { server: string; probe: string; bare: string; floor: string }

/** The production bundle (scripts/build.ts) and the three bench helpers, built inside the repository so that their
 * external packages resolve from node_modules. */
export async function buildArtifacts(): Promise<Artifacts> {
  const server = await buildBundle()
  const helpers = { probe: 'bench/probe.ts', bare: 'bench/bare-server.ts', floor: 'bench/floor-server.ts' }
  for (const entry of Object.values(helpers)) {
    await build({
      entryPoints: [join(ROOT, entry)], outdir: BENCH_DIST, outExtension: { '.js': '.mjs' }, bundle: true, platform: 'node',
      format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning',
    })
  }
  return { server, probe: join(BENCH_DIST, 'probe.mjs'), bare: join(BENCH_DIST, 'bare-server.mjs'), floor: join(BENCH_DIST, 'floor-server.mjs') }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** Polls until `url` answers 200; returns the milliseconds since `startedAt`. */
async function firstAnswer(url: string, child: ChildProcess, startedAt: number, output: () => string): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before answering:\n${output()}`)
    try {
      const response = await fetch(url)
      if (response.status === 200) return performance.now() - startedAt
    } catch {
      // not listening yet
    }
    if (performance.now() - startedAt > 60_000) throw new Error(`no answer from ${url} within 60 s:\n${output()}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export type RunningServer = {
  base: string
  /** Spawn to the first 200 of GET /healthz (or of the bare route), in milliseconds. */
  startupMs: number
  probe(command: ProbeCommand): Promise<ProbeReport | undefined>
  /** Warnings and errors the server printed (LOG_LEVEL=warn). */
  output(): string
  stop(): Promise<void>
}

// Servers still running when the benchmark ends (an error, Ctrl-C) go with it.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})
process.once('SIGINT', () => process.exit(130))

type SpawnOptions = { command: string; args: string[]; env: Record<string, string>; readyPath: string; ipc?: boolean }

export async function startServer(options: SpawnOptions): Promise<RunningServer> {
  const port = await freePort()
  const startedAt = performance.now()
  const child = spawn(options.command, options.args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? ['ipc' as const] : [])],
  })
  live.add(child)
  child.once('exit', () => live.delete(child))
  let printed = ''
  const keep = (chunk: Buffer) => {
    printed = (printed + chunk.toString('utf8')).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const base = `http://127.0.0.1:${port}`
  const startupMs = await firstAnswer(`${base}${options.readyPath}`, child, startedAt, () => printed)
  return {
    base,
    startupMs: Math.round(startupMs),
    output: () => printed,
    probe(command) {
      if (!child.connected) return Promise.resolve(undefined)
      return new Promise((resolve) => {
        if (command === 'report') child.once('message', (report: ProbeReport) => resolve(report))
        child.send(command, () => {
          if (command === 'reset') resolve(undefined)
        })
      })
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** The service as production runs it: the bundle under plain node, the probe preloaded. */
export function startService(artifacts: Artifacts, env: Record<string, string>, nodeOptions: string[] = []): Promise<RunningServer> {
  return startServer({
    command: process.execPath, args: [...nodeOptions, '--import', pathToFileURL(artifacts.probe).href, artifacts.server], env, readyPath: '/healthz', ipc: true,
  })
}

/** Start-up to the first answered /healthz, for a command line (no probe). */
export async function measureStartup(command: string, args: string[], env: Record<string, string>): Promise<number> {
  const server = await startServer({ command, args, env, readyPath: '/healthz' })
  await server.stop()
  return server.startupMs
}

export function startBareServer(artifacts: Artifacts): Promise<RunningServer> {
  return startServer({
    command: process.execPath, args: [
      '--import',
      pathToFileURL(artifacts.probe).href,
      artifacts.bare,
    ], env: { NODE_ENV: 'production' }, readyPath: '/bare', ipc: true,
  })
}

/** node:http answering the service's two hottest requests with the least work (floor-server.ts), for the same tokens. */
export function startFloorServer(artifacts: Artifacts, secretKey: string): Promise<RunningServer> {
  return startServer({
    command: process.execPath, args: ['--import', pathToFileURL(artifacts.probe).href, artifacts.floor],
    env: { NODE_ENV: 'production', SECRET_KEY: secretKey }, readyPath: '/healthz', ipc: true,
  })
}
