import { createCredentials } from './credentials.ts'
import type { AccountDeps } from './deps.ts'
import { createEmailFlows } from './email-flows.ts'
import { createPasswordFlows } from './password-flows.ts'
import { createProfile } from './profile.ts'
import { createRegistration } from './registration.ts'
import { createStaffAccounts } from './staff-accounts.ts'
import { createUserAdmin } from './user-admin.ts'

/** Every account story, one object for the routes; each story lives in its own file. */
export function createAccountService(deps: AccountDeps) {
  return {
    ...createRegistration(deps),
    ...createPasswordFlows(deps),
    ...createEmailFlows(deps),
    ...createProfile(deps),
    ...createCredentials(deps),
    ...createStaffAccounts(deps),
    ...createUserAdmin(deps),
  }
}

export type AccountService = ReturnType<typeof createAccountService>
