// Checks the Django rows among themselves, before the target is looked at: each row maps cleanly, emails and
// usernames stay unique once lower-cased, and every university/department id points at a row being imported.
// A row that fails is skipped whole (never written half), and everything that depended on it is skipped too.
import { mapDepartment, mapSettings, mapUniversity, mapUser } from './mapping.ts'
import type { ImportedDepartment, ImportedSettings, ImportedUniversity, ImportedUser, Mapped } from './mapping.ts'
import type { ImportTable, SkippedRow } from './report.ts'
import type { SourceRow } from './source.ts'

export type SourceData = { universities: SourceRow[]; settings: SourceRow[]; departments: SourceRow[]; users: SourceRow[] }

export type ValidSource = {
  universities: ImportedUniversity[]
  /** Settings rows by their Django id (a university points at one). */
  settings: Map<number, ImportedSettings>
  departments: ImportedDepartment[]
  users: ImportedUser[]
  skipped: SkippedRow[]
  warnings: string[]
}

function keepMapped<T>(table: ImportTable, rows: SourceRow[], map: (raw: SourceRow) => Mapped<T>, skipped: SkippedRow[]): T[] {
  const kept: T[] = []
  for (const raw of rows) {
    const mapped = map(raw)
    if (mapped.ok) kept.push(mapped.row)
    else skipped.push({ table, id: mapped.id, reason: mapped.reason })
  }
  return kept
}

/**
 * Django's unique constraints are case-sensitive, ours are not (API.md §4): 'Ann@x.org' and 'ann@x.org' may be two
 * Django accounts. Which one is the real owner cannot be known here, so every account of such a group is skipped.
 */
function dropCaseDuplicates(users: ImportedUser[], field: 'email' | 'username', skipped: SkippedRow[]): ImportedUser[] {
  const groups = new Map<string, ImportedUser[]>()
  for (const user of users) groups.set(user[field], [...(groups.get(user[field]) ?? []), user])
  return users.filter((user) => {
    const group = groups.get(user[field]) as ImportedUser[]
    if (group.length === 1) return true
    const others = group.filter((u) => u !== user).map((u) => u.id).join(', ')
    skipped.push({
      table: 'users',
      id: user.id,
      reason: `${field} ${user[field]} is also used by user ${others} (differing only in case); keep one of them in the Django database`,
    })
    return false
  })
}

export function validateSource(source: SourceData): ValidSource {
  const skipped: SkippedRow[] = []
  const warnings: string[] = []
  const universities = keepMapped('universities', source.universities, mapUniversity, skipped)
  const settingsRows = keepMapped('universitySettings', source.settings, mapSettings, skipped)
  const universityIds = new Set(universities.map((u) => u.id))

  const departments = keepMapped('departments', source.departments, mapDepartment, skipped).filter((d) => {
    if (universityIds.has(d.universityId)) return true
    skipped.push({ table: 'departments', id: d.id, reason: `university_id ${d.universityId} names no university being imported` })
    return false
  })
  const departmentIds = new Set(departments.map((d) => d.id))

  let users = keepMapped('users', source.users, mapUser, skipped)
  users = dropCaseDuplicates(users, 'email', skipped)
  users = dropCaseDuplicates(users, 'username', skipped)
  users = users.filter((u) => {
    if (u.universityId !== null && !universityIds.has(u.universityId)) {
      skipped.push({ table: 'users', id: u.id, reason: `university_id ${u.universityId} names no university being imported` })
      return false
    }
    if (u.departmentId !== null && !departmentIds.has(u.departmentId)) {
      skipped.push({ table: 'users', id: u.id, reason: `department_id ${u.departmentId} names no department being imported` })
      return false
    }
    return true
  })

  const settings = new Map(settingsRows.map((s) => [s.id, s]))
  const used = new Set<number>()
  for (const university of universities) {
    if (university.settingsId === null) continue
    if (!settings.has(university.settingsId)) {
      warnings.push(`university ${university.id}: settings ${university.settingsId} do not `
        + `exist (or were skipped); the university is imported without settings`)
    }
    used.add(university.settingsId)
  }
  for (const id of settings.keys()) {
    if (!used.has(id)) warnings.push(`university settings ${id} belong to no university; not carried over`)
  }
  return { universities, settings, departments, users, skipped, warnings }
}
