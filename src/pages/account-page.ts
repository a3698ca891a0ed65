import type { FastifyReply, FastifyRequest } from 'fastify'
import type { PageError } from '../platform/http/error-rendering.ts'
import { toActivityJson } from '../audit/serialize.ts'
import type { AuditService } from '../audit/service.ts'
import { USER_TYPE } from '../accounts/user.ts'
import type { Passkeys } from '../mfa/passkeys.ts'
import { toPasskeyJson } from '../mfa/serialize.ts'
import type { MfaService } from '../mfa/service.ts'
import type { SessionService } from '../tokens/sessions.ts'
import type { UniversityService } from '../universities/service.ts'
import { eventView } from './events.ts'
import { typedValues } from './forms.ts'
import type { FormState, Render } from './render.ts'
import type { PageSession } from './session.ts'

/**
 * The forms of /account/, by the name its template looks their state up with. A passkey's own forms are named after
 * it (`passkey-rename-7`, `passkey-remove-7`), so an error shows beside the passkey it is about.
 */
export type AccountForm = 'profile' | 'password' | 'email' | 'sessions' | 'delete'
  | 'totp-setup' | 'totp-confirm' | 'totp-disable' | 'recovery-codes' | 'passkey-add' | `passkey-rename-${number}` | `passkey-remove-${number}`

/** What only the answer to one form shows: a TOTP setup's QR code and secret, or recovery codes (shown once). */
export type AccountExtras = {
  totpSetup?: { secret: string; otpauth_url: string; qr_svg: string }
  recoveryCodes?: string[]
}

export type AccountPageDeps = {
  sessions: SessionService
  universities: UniversityService
  audit: AuditService
  mfa: MfaService
  passkeys: Passkeys
  page: PageSession
  render: Render
  siteName: string
}

/** How many events the account page lists as its recent activity. */
const RECENT_ACTIVITY = 20

/** The recovery codes as the `.txt` download holds them: one a line, after a line that says what they are. */
function recoveryCodesFile(siteName: string, email: string, codes: readonly string[]): string {
  const text = [`${siteName} recovery codes for ${email}`, 'Each code works once.', '', ...codes, ''].join('\r\n')
  return `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`
}

/**
 * /account/ (API.md §14) as one page of every form, built from the services the JSON routes call: a form that
 * failed comes back with what was typed and its errors, the others as they are.
 */
export function createAccountPage(deps: AccountPageDeps) {
  const { sessions, universities, audit, mfa, passkeys, page, render } = deps

  return async function accountPage(
    request: FastifyRequest, reply: FastifyReply, opts: { failed?: { form: AccountForm; error: PageError }; extras?: AccountExtras } = {},
  ) {
    const principal = page.of(request)
    const { user } = principal
    const { failed, extras = {} } = opts
    const forms: Partial<Record<AccountForm, FormState>> = {}
    if (failed) forms[failed.form] = { values: typedValues(request), error: failed.error }
    const [own, activity, choices, departments, factors, keys] = await Promise.all([
      sessions.list(principal),
      // The first of GET /api/users/me/activity/'s pages, shown as that route shows it (others' actions without who).
      audit.listActivity(user.id, {}, undefined).then((found) => found.events.slice(0, RECENT_ACTIVITY).map((e) => eventView(toActivityJson(e, user.id)))),
      user.userType === USER_TYPE.STUDENT ? universities.listPublicUniversities() : Promise.resolve([]),
      user.universityId === null ? Promise.resolve([]) : universities.listDepartmentsOf(user.universityId),
      mfa.status(user),
      passkeys.list(principal).then((list) => list.map(toPasskeyJson)),
    ])
    const university = user.universityId === null ? null : (await universities.listAllUniversities())
      .find((u) => u.university.id === user.universityId)?.university ?? null
    // API.md §12: new recovery codes need a code unless this session signed in with a second factor.
    const amr = principal.claims.amr ?? ['pwd']
    const codes = extras.recoveryCodes ?? []
    return render(request, reply, 'account', {
      title: 'Your account', user, sessions: own, activity, universities: choices, departments, university, forms, wide: true,
      isStudent: user.userType === USER_TYPE.STUDENT, status: failed?.error.status, passkeyScripts: true,
      mfa: {
        ...factors, passkeyList: keys, setup: extras.totpSetup, recoveryCodes: codes,
        recoveryCodesFile: codes.length > 0 ? recoveryCodesFile(deps.siteName, user.email, codes) : null,
        recoveryNeedsCode: amr.every((method) => method === 'pwd'),
      },
    })
  }
}

export type AccountPage = ReturnType<typeof createAccountPage>
