import { createSealedSecrets } from '../platform/sealed-secrets.ts'
import type { SealedSecrets } from '../platform/sealed-secrets.ts'

/** The sealing of webhook signing secrets: its own key, derived from SECRET_KEY (app.ts and the CLI use the same). */
export function webhookSecrets(secretKey: string): SealedSecrets {
  return createSealedSecrets(secretKey, 'webhook signing secrets')
}
