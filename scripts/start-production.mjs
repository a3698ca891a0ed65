// `npm run start:prod`: the production command line (bench/README.md) with its threadpool sized before Node starts.
// libuv reads UV_THREADPOOL_SIZE once, before any module of the service runs, so the service cannot set it itself:
// this launcher sets it to ARGON2_CONCURRENCY (every thread that ever hashed keeps its ARGON2_MEMORY_KIB) and runs
// the bundle with V8's production flags. Plain JavaScript, so that production needs no TypeScript loader.
import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { PRODUCTION_NODE_FLAGS } from './production-flags.mjs'

const bundle = process.argv[2] ?? fileURLToPath(new URL('../dist/server.mjs', import.meta.url))
// The default of ARGON2_CONCURRENCY in src/config.ts; config.ts still validates the variable when it is set.
const hashing = process.env.ARGON2_CONCURRENCY ?? String(Math.max(1, availableParallelism() - 1))
const env = { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? hashing }

const child = spawn(process.execPath, [...PRODUCTION_NODE_FLAGS, bundle], { stdio: 'inherit', env })
// The service shuts down gracefully on these (src/server.ts); the launcher passes them on and waits.
for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) process.on(signal, () => child.kill(signal))
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)))
