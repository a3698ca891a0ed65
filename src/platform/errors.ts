// Typed errors: services and stores throw them; http/error-rendering.ts alone turns them into HTTP answers.

/** The closed list of error codes; the public body is fixed per throw site, the code is for logs and tests. */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'NOT_AUTHENTICATED',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'UNSUPPORTED_MEDIA_TYPE',
  'BODY_TOO_LARGE',
  'MALFORMED_REQUEST',
  'INVALID_HOST',
  'INVALID_CREDENTIALS',
  'TOKEN_NOT_VALID',
  'STALE_TOKEN',
  'THROTTLED',
  'CSRF_FAILED',
  'MFA_REQUIRED',
  'MFA_TOKEN_INVALID',
  'MFA_SETUP_REQUIRED',
  'PASSKEY_NOT_RECOGNISED',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** DRF's field-error tree: `{"email": ["..."]}`, nested for nested objects (`{"admin": {"email": [...]}}`). */
export type FieldErrors = { [field: string]: string[] | FieldErrors }

export type PublicBody = Record<string, unknown>

export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    readonly body: PublicBody,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(`${code}: ${JSON.stringify(body)}`, { cause: options.cause })
    this.name = 'AppError'
    this.headers = options.headers ?? {}
  }

  readonly headers: Record<string, string>
  /** On a field-validation failure: the fields that did pass, so database checks can still report theirs. */
  partial?: Record<string, unknown>

  static fields(errors: FieldErrors, partial?: Record<string, unknown>): AppError {
    const error = new AppError(400, 'VALIDATION_FAILED', errors)
    error.partial = partial
    return error
  }

  static nonField(message: string): AppError {
    return new AppError(400, 'VALIDATION_FAILED', { non_field_errors: [message] })
  }

  static badRequest(detail: string, code: ErrorCode = 'MALFORMED_REQUEST'): AppError {
    return new AppError(400, code, { detail })
  }

  /** API.md §3: anonymous on a protected view. */
  static notAuthenticated(): AppError {
    return new AppError(401, 'NOT_AUTHENTICATED', { detail: 'Authentication credentials were not provided.' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  static invalidCredentials(): AppError {
    return new AppError(401, 'INVALID_CREDENTIALS', { detail: 'No active account found with the given credentials' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  /** SimpleJWT's token errors: "Token is invalid or expired", "Token has wrong type", "Token is blacklisted". */
  static tokenNotValid(detail: string): AppError {
    return new AppError(401, 'TOKEN_NOT_VALID', { detail, code: 'token_not_valid' }, {
      headers: { 'www-authenticate': 'Bearer realm="api"' },
    })
  }

  static permissionDenied(detail = 'You do not have permission to perform this action.'): AppError {
    return new AppError(403, 'PERMISSION_DENIED', { detail })
  }

  static notFound(body: PublicBody = { detail: 'Not found.' }): AppError {
    return new AppError(404, 'NOT_FOUND', body)
  }

  /** API.md §1: bodies over 64 KiB, whatever their media type. */
  static bodyTooLarge(): AppError {
    return new AppError(413, 'BODY_TOO_LARGE', { detail: 'Request body too large.' })
  }

  static methodNotAllowed(method: string, allow: string): AppError {
    return new AppError(405, 'METHOD_NOT_ALLOWED', { detail: `Method "${method}" not allowed.` }, {
      headers: { allow },
    })
  }
}
