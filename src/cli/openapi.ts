import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../app.ts'
import { loadConfig } from '../config.ts'
import { openDatabase } from '../platform/db.ts'
import { migrateToLatest } from '../platform/migrate.ts'
import { CommandError } from './run-command.ts'
import type { Out } from './run-command.ts'

export const OPENAPI_USAGE = `Usage: npm run cli -- openapi [--out FILE]   (or: npm run openapi -- ...)

Writes the OpenAPI 3.1 document of the service (the one served at GET /api/schema/) to FILE, openapi.json by default.
The app is built without listening, on a throw-away in-memory database: the document does not depend on the
environment.`

/** The document as the service serves it: built from the route schemas by a whole app that never listens. */
async function generateOpenApiDocument(): Promise<unknown> {
  // A fixed configuration, so the same code always gives the same document wherever it runs.
  const config = loadConfig({ SECRET_KEY: 'openapi-document-generation-only-0123456789', DATABASE_URL: ':memory:', DATA_DIR: tmpdir() })
  const db = openDatabase(config.database)
  await migrateToLatest(db)
  const app = await buildApp(config, { db })
  try {
    await app.ready()
    return app.swagger()
  } finally {
    await app.close()
  }
}

/** `openapi`: writes the document to a file. */
export async function openapi(args: string[], out: Out): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string', default: 'openapi.json' }, help: { type: 'boolean', default: false } } })
  if (values.help) return out(OPENAPI_USAGE)
  if (values.out === '') throw new CommandError(OPENAPI_USAGE)
  const document = await generateOpenApiDocument() as { paths: Record<string, object> }
  const file = resolve(values.out)
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`)
  const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0)
  out(`Wrote ${file}: ${operations} operations.`)
}
