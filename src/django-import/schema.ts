import type { DjangoSource } from './source.ts'
import { ImportInputError } from './report.ts'

/**
 * The tables and columns of the original UniLink backend (Django 4.2 schema; see the sample database in
 * shared/data) that the import reads. `required` columns must all be there; `optional` ones are read when present;
 * `ignored` ones are known and deliberately not carried over. Any other column is reported, so a later version
 * of the old backend cannot lose data silently.
 */
export const DJANGO_TABLES = {
  users: {
    table: 'users_useraccount',
    required: ['id', 'password', 'last_login', 'date_joined', 'first_name', 'last_name', 'username', 'email', 'is_active',
      'is_staff', 'is_superuser', 'user_type', 'university_id', 'department_id'],
    optional: ['profile_picture'],
    // start_date duplicates date_joined in the original model; groups and permissions are Django-admin-only.
    ignored: ['start_date'],
  },
  universities: {
    table: 'university_university',
    required: ['id', 'name', 'domain', 'admin_id', 'is_approved', 'is_banned'],
    optional: ['settings_id', 'doc_url'],
    ignored: [],
  },
  settings: {
    table: 'university_settings',
    required: ['id', 'email_pattern', 'sid_pattern', 'is_registration_enabled'],
    optional: [],
    ignored: [],
  },
  departments: {
    table: 'department_department',
    required: ['id', 'name', 'code', 'university_id'],
    optional: [],
    ignored: [],
  },
} as const

export type DjangoTable = keyof typeof DJANGO_TABLES

/** Which columns to read from each table, and notes on what will not be carried over. */
export type SourceLayout = { columns: Record<DjangoTable, string[]>; warnings: string[] }

/**
 * Refuses anything that is not a Django database of the original backend's schema, naming every missing table
 * or column at once, before a single row is read.
 */
export async function inspectDjangoSchema(source: DjangoSource): Promise<SourceLayout> {
  const tables = await source.tableNames()
  if (!tables.has('django_migrations')) {
    throw new ImportInputError(`${source.description} is not a Django database (it has no django_migrations table).`)
  }
  const problems: string[] = []
  const warnings: string[] = []
  const columns = {} as Record<DjangoTable, string[]>
  for (const [key, spec] of Object.entries(DJANGO_TABLES) as [DjangoTable, (typeof DJANGO_TABLES)[DjangoTable]][]) {
    // A deployment without university settings simply has none to carry over.
    if (!tables.has(spec.table)) {
      if (key === 'settings') columns[key] = []
      else problems.push(`table ${spec.table} is missing`)
      continue
    }
    const present = await source.columnNames(spec.table)
    const missing = spec.required.filter((c) => !present.has(c))
    if (missing.length > 0) problems.push(`table ${spec.table} lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
    const known = new Set<string>([...spec.required, ...spec.optional, ...spec.ignored])
    const unknown = [...present].filter((c) => !known.has(c)).sort()
    if (unknown.length > 0) warnings.push(`${spec.table}: column${unknown.length > 1 ? 's' : ''} `
      + `${unknown.join(', ')} not carried over (unknown to this importer)`)
    columns[key] = [...spec.required, ...spec.optional.filter((c) => present.has(c))]
  }
  if (problems.length > 0) {
    throw new ImportInputError(`${source.description} does not have the schema of the UniLink Django backend: ${problems.join('; ')}.`)
  }
  return { columns, warnings }
}
