import assert from 'node:assert/strict'
import { test } from 'node:test'
import { djangoDateTime, mapUser } from '../../src/django-import/mapping.ts'
import { validateSource } from '../../src/django-import/validate.ts'

const djangoUser = (extra: Record<string, unknown> = {}) => ({
  id: 7, password: 'md5$salt$abc', last_login: null, date_joined: '2023-08-16 13:42:30.466441', first_name: 'Ann', last_name: 'Lee',
  username: 'AnnL', email: 'Ann.Lee@Example.org', is_active: 1, is_staff: 0, is_superuser: 0, user_type: 5,
  university_id: null, department_id: null, profile_picture: 'profile_pictures/avatar-male.png', start_date: '2023-08-16 13:42:30', ...extra,
})

void test('Django datetimes (SQLite text, with or without fraction or offset; PostgreSQL Dates) become epoch milliseconds', () => {
  assert.equal(djangoDateTime('2023-08-16 13:42:30.466441', 'd'), Date.UTC(2023, 7, 16, 13, 42, 30, 466))
  assert.equal(djangoDateTime('2023-08-16 13:42:30', 'd'), Date.UTC(2023, 7, 16, 13, 42, 30))
  assert.equal(djangoDateTime('2023-08-16T13:42:30.5+02:00', 'd'), Date.UTC(2023, 7, 16, 11, 42, 30, 500))
  assert.equal(djangoDateTime(new Date(Date.UTC(2020, 0, 1)), 'd'), Date.UTC(2020, 0, 1))
  for (const bad of ['2023-13-16 13:42:30', 'yesterday', '', 17, null, new Date(Number.NaN)]) {
    assert.throws(() => djangoDateTime(bad, 'date_joined'), /date_joined is not a valid date and time/, String(bad))
  }
})

void test('A Django user row maps to ours: lower-cased email and username, flags 0/1, default picture as null', () => {
  assert.deepEqual(mapUser(djangoUser({ is_active: true, is_staff: 'f', last_login: '2024-01-02 03:04:05' })), {
    ok: true,
    row: {
      id: 7, email: 'ann.lee@example.org', username: 'annl', firstName: 'Ann', lastName: 'Lee', password: 'md5$salt$abc',
      universityId: null, departmentId: null, userType: 5, isActive: 1, isStaff: 0, isSuperuser: 0,
      dateJoined: Date.UTC(2023, 7, 16, 13, 42, 30, 466), lastLogin: Date.UTC(2024, 0, 2, 3, 4, 5), profilePicture: null,
    },
  })
  const custom = mapUser(djangoUser({ profile_picture: 'profile_pictures/ann.png', id: '12', university_id: '3' }))
  assert.ok(custom.ok)
  assert.deepEqual([custom.row.profilePicture, custom.row.id, custom.row.universityId], ['profile_pictures/ann.png', 12, 3])
})

void test('A Django user row that cannot be carried over says why', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ email: 'no-at-sign' }, 'email "no-at-sign" is not a valid email address'],
    [{ username: '   ' }, 'username is empty'],
    [{ username: 'u'.repeat(21) }, 'username is longer than 20 characters'],
    [{ user_type: 6 }, 'user_type 6 is not one of 0-5'],
    [{ is_active: 'yes' }, 'is_active is not a boolean (yes)'],
    [{ university_id: -1 }, 'university_id is not a valid id (-1)'],
    [{ id: 2 ** 31 }, `id is not a valid id (${2 ** 31})`],
    [{ first_name: null }, 'first_name is not text'],
  ]
  for (const [extra, reason] of cases) assert.deepEqual(mapUser(djangoUser(extra)), { ok: false, id: (extra.id as number | undefined) ?? 7, reason })
})

void test('Users whose emails differ only in case are all skipped, and so are users of a skipped department', () => {
  const valid = validateSource({
    universities: [{ id: 1, name: 'U', domain: 'u.edu', admin_id: 1, is_approved: 1, is_banned: 0 }],
    settings: [],
    departments: [{ id: 1, name: 'CS', code: 'CS', university_id: 1 }, { id: 2, name: 'Ghost', code: 'G', university_id: 9 }],
    users: [
      djangoUser({ id: 1, email: 'a@u.edu', username: 'a' }), djangoUser({ id: 2, email: 'A@u.edu', username: 'b' }),
      djangoUser({ id: 3, email: 'c@u.edu', username: 'c', department_id: 2 }), djangoUser({ id: 4, email: 'd@u.edu', username: 'd', department_id: 1 }),
    ],
  })
  assert.deepEqual(valid.users.map((u) => u.id), [4])
  assert.deepEqual(valid.skipped.map((s) => [s.table, s.id]), [['departments', 2], ['users', 1], ['users', 2], ['users', 3]])
})
