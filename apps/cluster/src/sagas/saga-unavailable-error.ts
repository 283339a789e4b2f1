/**
 * Thrown when a saga step's command could not be proposed now (no leader, the leader unreachable,
 * or it refused), or when the member's sagas are not running: it may or may not apply later. The
 * step's retry policy tries again (the command is idempotent by key).
 */
export class SagaUnavailableError extends Error {
  override readonly name = 'SagaUnavailableError';
  readonly code = 'ESAGAUNAVAILABLE';
}

/** True when `error` is a {@link SagaUnavailableError}. */
export function isSagaUnavailableError(error: unknown): error is SagaUnavailableError {
  return error instanceof SagaUnavailableError;
}
