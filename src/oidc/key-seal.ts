import { createSealedSecrets } from '../platform/sealed-secrets.ts'

/** A private signing key that does not open under this SECRET_KEY: said as what the operator must do, not as a crypto error. */
export class SigningKeySealedElsewhereError extends Error {
  constructor(kid: string) {
    super(`The OIDC signing key ${kid} does not open with this SECRET_KEY: the keys in the table oidc_signing_keys were sealed `
      + 'under another SECRET_KEY. Run the service with the SECRET_KEY they were made with; or, to replace them (every token '
      + 'they signed stops verifying), delete the rows of oidc_signing_keys: new keys are made at the next start.')
    this.name = 'SigningKeySealedElsewhereError'
  }
}

export type PrivateJwk = Record<string, unknown> & { kid: string }

/**
 * The private half of each OIDC signing key is sealed (AES-256-GCM under a key derived from SECRET_KEY by HKDF-SHA256,
 * platform/sealed-secrets.ts, with an info string of its own): a copy of the database alone cannot sign an ID token.
 */
export function createKeySeal(secretKey: string) {
  const sealed = createSealedSecrets(secretKey, 'oidc signing keys')
  return {
    seal(jwk: PrivateJwk): string {
      return sealed.seal(JSON.stringify(jwk))
    },
    /** The JWK sealed for `kid`; one sealed for another row (copied over in the database) is refused too. */
    open(value: string, kid: string): PrivateJwk {
      let jwk: PrivateJwk
      try {
        jwk = JSON.parse(sealed.open(value)) as PrivateJwk
      } catch {
        throw new SigningKeySealedElsewhereError(kid)
      }
      if (jwk.kid !== kid) throw new SigningKeySealedElsewhereError(kid)
      return jwk
    },
  }
}

export type KeySeal = ReturnType<typeof createKeySeal>
