// The production build: `tsx scripts/build.ts` bundles src/server.ts and its dependencies into dist/server.mjs, which
// plain `node` runs (no TypeScript loader). One file instead of hundreds of modules takes start-up from about 2 s
// under tsx to well under 1 s on the 2-core machine (bench/README.md). `npm start` keeps running the sources with tsx.
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import type { Plugin } from 'esbuild'
import { PRODUCTION_NODE_FLAGS } from './production-flags.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * How production runs the bundle (bench/README.md measures it): V8's young generation kept small and the old one
 * collected before it grows 30% past its live size, so the heap stays near what it holds (about 30 MB) instead of
 * growing to several times that under load; and `UV_THREADPOOL_SIZE` equal to ARGON2_CONCURRENCY (default: cores - 1),
 * because every libuv thread that ever computed a hash keeps its ARGON2_MEMORY_KIB in its malloc arena. libuv and V8
 * read these before any code runs, so they belong on the command line.
 */
export { PRODUCTION_NODE_FLAGS }
export const productionCommand = (outfile = 'dist/server.mjs') =>
  `UV_THREADPOOL_SIZE=<ARGON2_CONCURRENCY, default cores - 1> node ${PRODUCTION_NODE_FLAGS.join(' ')} ${outfile}`

/**
 * Packages left to node_modules: native addons, and packages that read their own files or start worker threads by
 * path at run time (pino's transports, the Swagger UI's static folder). Everything else is inlined.
 */
const EXTERNAL = ['better-sqlite3', 'argon2', 'pg-native', 'pino', 'pino-pretty', 'thread-stream', '@fastify/swagger-ui']

/**
 * The sources find their assets, templates and migrations relative to their own file (`new URL('../x',
 * import.meta.url)`). Bundled, every file would share the bundle's URL; this gives each its original one back, so the
 * bundle reads the same files in the repository as the sources do.
 */
function sourceImportMetaUrl(outfile: string): Plugin {
  return {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8')
        if (args.path.includes('/node_modules/') || !text.includes('import.meta.url')) return { contents: text, loader: 'ts' }
        const fromBundle = JSON.stringify(relative(dirname(outfile), args.path))
        return { contents: text.replaceAll('import.meta.url', `new URL(${fromBundle}, import.meta.url).href`), loader: 'ts' }
      })
    },
  }
}

// Bundled CommonJS packages may use require, __filename and __dirname, which an ES module lacks.
const COMMONJS_SHIM = [
  "import { createRequire as __createRequire } from 'node:module';",
  "import { fileURLToPath as __fileURLToPath } from 'node:url';",
  'const require = __createRequire(import.meta.url);',
  'const __filename = __fileURLToPath(import.meta.url);',
  "const __dirname = __fileURLToPath(new URL('.', import.meta.url));",
].join(' ')

/** Bundles `entry` (relative to the repository) into `outfile`; returns the bundle's path. */
export async function buildBundle(entry = 'src/server.ts', outfile = join(ROOT, 'dist/server.mjs')): Promise<string> {
  await build({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    external: EXTERNAL,
    banner: { js: COMMONJS_SHIM },
    plugins: [sourceImportMetaUrl(outfile)],
    logLevel: 'warning',
  })
  return outfile
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const started = Date.now()
  const outfile = await buildBundle()
  const file = relative(process.cwd(), outfile)
  process.stdout.write(`built ${file} in ${Date.now() - started} ms; run it with:\n  ${productionCommand(file)}\n`)
}
