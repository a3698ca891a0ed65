import type { Config } from '../config.ts'
import type { MfaDeps } from './deps.ts'
import { createMfaLogin } from './login.ts'
import { createPasskeys } from './passkeys.ts'
import { createMfaReset } from './reset.ts'
import { createMfaSecrets } from './secrets.ts'
import { createMfaCore, createMfaService } from './service.ts'
import { createMfaStore } from './store.ts'
import { createCeremonies } from './webauthn.ts'

/** The second-factor feature wired from what app.ts has (API.md §12). */
export function createMfaFeature(input: Omit<MfaDeps, 'store' | 'secrets' | 'webauthn' | 'mfaRequiredUserTypes'> & { config: Readonly<Config> }) {
  const { config, ...rest } = input
  const deps: MfaDeps = {
    ...rest, store: createMfaStore(input.db), secrets: createMfaSecrets(config.secretKey),
    webauthn: config.webauthn, mfaRequiredUserTypes: config.mfaRequiredUserTypes,
  }
  const core = createMfaCore(deps)
  const ceremonies = createCeremonies(deps)
  return {
    store: deps.store,
    service: createMfaService(deps, core),
    login: createMfaLogin(deps, core, ceremonies),
    passkeys: createPasskeys(deps, core),
    reset: createMfaReset(deps),
  }
}
