// The production build: `tsx scripts/build.ts` bundles src/server.ts and its dependencies into dist/server.mjs, which
// plain `node` runs (no TypeScript loader). One file instead of hundreds of modules takes start-up from about 2 s
// under tsx to well under 1 s on the 2-core machine (bench/README.md). `npm start` keeps running the sources with tsx.
import { readFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import type { Plugin } from 'esbuild'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

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
  process.stdout.write(`built ${relative(process.cwd(), outfile)} in ${Date.now() - started} ms; run it with: node ${relative(process.cwd(), outfile)}\n`)
}
