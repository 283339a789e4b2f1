/**
 * The service answered, but not with a 2xx status. `fetch` resolves on any status, so the demo's
 * action throws this to make the breaker count the answer as a failure.
 */
export class HttpStatusError extends Error {
  readonly code = 'EHTTPSTATUS' as const;

  /** @param status the HTTP status code the service answered with */
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/** True when `value` is an {@link HttpStatusError}. */
export function isHttpStatusError(value: unknown): value is HttpStatusError {
  return value instanceof HttpStatusError;
}
