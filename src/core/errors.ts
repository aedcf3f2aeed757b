/**
 * One base class for every failure the gateway reports, with a stable `code`, a
 * `retryable` flag and non-personal `facts`. Problem bodies are rendered from the code
 * (src/http/problems.ts), never from `message`.
 */
/** Every stable code, so catalogues and tests can prove they cover all of them. */
export const ERROR_CODES = [
  'ERR_VALIDATION',
  'ERR_UNAUTHENTICATED',
  'ERR_FORBIDDEN',
  'ERR_NOT_FOUND',
  'ERR_METHOD_NOT_ALLOWED',
  'ERR_IDEMPOTENCY_CONFLICT',
  'ERR_ALREADY_SUPERSEDED',
  'ERR_IDEMPOTENCY_KEY_MISSING',
  'ERR_PAYLOAD_TOO_LARGE',
  'ERR_UNSUPPORTED_MEDIA_TYPE',
  'ERR_UNKNOWN_REGION',
  'ERR_UNKNOWN_CATEGORY',
  'ERR_REGISTRY_TIMEOUT',
  'ERR_REGISTRY_ERROR',
  'ERR_REGISTRY_MALFORMED',
  'ERR_REGISTRY_UNREACHABLE',
  'ERR_STORE_UNAVAILABLE',
  'ERR_LOG_INTEGRITY',
  'ERR_NOT_READY',
  'ERR_ISSUER_UNAVAILABLE',
  'ERR_SIGNATURE_INVALID',
  'ERR_INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export type ErrorFacts = Readonly<Record<string, string | number | boolean>>;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** Non-personal facts: counts, sources, paths. Never an identity number or a name. */
  readonly facts: ErrorFacts;
  readonly errors: readonly { path: string; message: string }[] | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: {
      retryable?: boolean;
      facts?: ErrorFacts;
      errors?: { path: string; message: string }[];
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.facts = options.facts ?? {};
    this.errors = options.errors;
  }
}
