// Compares the valid Django rows with what the target already holds and decides, row by row, what to insert,
// what to update and what to leave alone; finds the target users that stand in the way (conflicts). Pure: the
// writes happen in service.ts, so a dry run and a real run report exactly the same plan.
import type { ImportedDepartment, ImportedUser } from './mapping.ts'
import { IMPORT_TABLES, emptyCounts } from './report.ts'
import type { ImportTable, OnConflict, SkippedRow, TableCounts, UserConflict } from './report.ts'
import type { ValidSource } from './validate.ts'

export type TargetUniversity = {
  id: number; name: string; domain: string; docUrl: string; isApproved: 0 | 1; isBanned: 0 | 1; adminId: number | null
}
export type TargetSettings = { universityId: number; emailPattern: string; sidPattern: string; isRegistrationEnabled: 0 | 1 }
export type TargetSnapshot = {
  users: Map<number, ImportedUser>
  universities: Map<number, TargetUniversity>
  departments: Map<number, ImportedDepartment>
  settings: Map<number, TargetSettings>
}

export type UniversityWrite = Omit<TargetUniversity, 'adminId'> & { createdAt: number }

export type ImportPlan = {
  refused: boolean
  deleteUsers: number[]
  universities: UniversityWrite[]
  settings: TargetSettings[]
  departments: ImportedDepartment[]
  users: ImportedUser[]
  /** Admin links set once the users exist (only those that differ from the target). */
  admins: { universityId: number; adminId: number | null }[]
  counts: Record<ImportTable, TableCounts>
  skipped: SkippedRow[]
  conflicts: UserConflict[]
  warnings: string[]
}

export type PlanOptions = {
  onConflict: OnConflict
  /** True for a hash in this service's current algorithm and cost: one this service wrote, never Django. */
  isCurrentHash: (encoded: string) => boolean
  now: number
}

const USER_FIELDS = ['email', 'username', 'firstName', 'lastName', 'password', 'universityId', 'departmentId', 'userType',
  'isActive', 'isStaff', 'isSuperuser', 'dateJoined', 'lastLogin', 'profilePicture'] as const

const sameFields = <T extends object>(a: T, b: T, fields: readonly (keyof T)[]): boolean => fields.every((f) => a[f] === b[f])

function findConflicts(users: ImportedUser[], target: TargetSnapshot): UserConflict[] {
  const byEmail = new Map<string, number>()
  const byUsername = new Map<string, number>()
  for (const t of target.users.values()) {
    byEmail.set(t.email, t.id)
    byUsername.set(t.username, t.id)
  }
  const conflicts: UserConflict[] = []
  for (const u of users) {
    const emailHolder = byEmail.get(u.email)
    if (emailHolder !== undefined && emailHolder !== u.id) conflicts.push({ djangoId: u.id, targetId: emailHolder, field: 'email', value: u.email })
    const usernameHolder = byUsername.get(u.username)
    if (usernameHolder !== undefined && usernameHolder !== u.id) {
      conflicts.push({ djangoId: u.id, targetId: usernameHolder, field: 'username', value: u.username })
    }
    // The same id with neither email nor username in common is another person, not an earlier import of this one.
    const sameId = target.users.get(u.id)
    if (sameId !== undefined && sameId.email !== u.email && sameId.username !== u.username) {
      conflicts.push({ djangoId: u.id, targetId: u.id, field: 'id', value: u.email })
    }
  }
  return conflicts
}

/**
 * The Django row wins, except where the target is ahead: a password hash this service wrote (a login here
 * re-hashed it, or the user changed it here) is kept, and so is a later last_login. A second run thus never undoes
 * what happened here, and never revives a reset link that a login here has killed.
 */
function mergeUser(source: ImportedUser, current: ImportedUser, isCurrentHash: (h: string) => boolean): ImportedUser {
  const keepPassword = current.password !== source.password && isCurrentHash(current.password)
  const lastLogin = current.lastLogin !== null && (source.lastLogin === null || current.lastLogin > source.lastLogin) ? current.lastLogin : source.lastLogin
  return { ...source, password: keepPassword ? current.password : source.password, lastLogin }
}

function count<T>(counts: TableCounts, current: T | undefined, same: (c: T) => boolean): boolean {
  if (current === undefined) counts.imported += 1
  else if (same(current)) counts.unchanged += 1
  else counts.updated += 1
  return current === undefined || !same(current)
}

export function planImport(valid: ValidSource, target: TargetSnapshot, opts: PlanOptions): ImportPlan {
  const counts = emptyCounts()
  const skipped = [...valid.skipped]
  const warnings = [...valid.warnings]
  const conflicts = findConflicts(valid.users, target)
  const plan: ImportPlan = {
    refused: conflicts.length > 0 && opts.onConflict === 'abort',
    deleteUsers: [], universities: [], settings: [], departments: [], users: [], admins: [], counts, skipped, conflicts, warnings,
  }
  let users = valid.users
  if (opts.onConflict === 'skip') {
    const blocked = new Map(conflicts.map((c) => [c.djangoId, c]))
    users = users.filter((u) => !blocked.has(u.id))
    for (const c of blocked.values()) skipped.push({
      table: 'users',
      id: c.djangoId,
      reason: `conflicts with user ${c.targetId} here (same ${c.field === 'id' ? 'id, different person' : c.field}); kept the user here (--on-conflict skip)`,
    })
  } else if (opts.onConflict === 'replace') {
    plan.deleteUsers = [...new Set(conflicts.map((c) => c.targetId))].sort((a, b) => a - b)
    for (const id of plan.deleteUsers) target.users.delete(id)
  }

  const usersById = new Map(users.map((u) => [u.id, u]))
  for (const u of valid.universities) {
    const admin = u.adminId === null ? undefined : usersById.get(u.adminId)
    if (u.adminId !== null && admin === undefined) {
      warnings.push(`university ${u.id}: its admin, user ${u.adminId}, is not being imported; the university is imported without an admin`)
    }
    const current = target.universities.get(u.id)
    // Django has no doc_url or creation time: keep ours, and date a new university from its admin's joining.
    const write = { id: u.id, name: u.name, domain: u.domain, docUrl: u.docUrl ?? current?.docUrl ?? '', isApproved: u.isApproved,
      isBanned: u.isBanned, createdAt: admin?.dateJoined ?? opts.now }
    const adminId = admin?.id ?? null
    if (count(counts.universities, current, (c) => sameFields(c, { ...write, adminId }, ['name', 'domain', 'docUrl', 'isApproved', 'isBanned', 'adminId']))) {
      plan.universities.push(write)
    }
    if (current?.adminId !== adminId && !(current === undefined && adminId === null)) plan.admins.push({ universityId: u.id, adminId })
    const settings = u.settingsId === null ? undefined : valid.settings.get(u.settingsId)
    if (settings !== undefined) {
      const row = {
        universityId: u.id,
        emailPattern: settings.emailPattern,
        sidPattern: settings.sidPattern,
        isRegistrationEnabled: settings.isRegistrationEnabled,
      }
      if (count(counts.universitySettings, target.settings.get(u.id), (c) => sameFields(c, row, ['emailPattern', 'sidPattern', 'isRegistrationEnabled']))) {
        plan.settings.push(row)
      }
    }
  }
  for (const d of valid.departments) {
    if (count(counts.departments, target.departments.get(d.id), (c) => sameFields(c, d, ['name', 'code', 'universityId']))) plan.departments.push(d)
  }
  for (const u of users) {
    const current = target.users.get(u.id)
    const row = current === undefined ? u : mergeUser(u, current, opts.isCurrentHash)
    if (count(counts.users, current, (c) => sameFields(c, row, USER_FIELDS))) plan.users.push(row)
  }
  for (const s of skipped) counts[s.table].skipped += 1
  // Reported in table order, then by id, whatever check caught them.
  skipped.sort((a, b) => IMPORT_TABLES.indexOf(a.table) - IMPORT_TABLES.indexOf(b.table) || Number(a.id) - Number(b.id))
  return plan
}
