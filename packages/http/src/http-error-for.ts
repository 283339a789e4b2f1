import {
  isBulkheadRejectedError,
  isCircuitOpenError,
  isCircuitShutdownError,
  isRateLimitedError,
  isRetryExhaustedError,
  isSemaphoreLockedError,
  isTimeoutError,
} from '@bulwark/core';

/** The JSON body of every response a Bulwark adapter sends for a policy's rejection. */
export interface HttpErrorBody {
  readonly error: {
    /** The Bulwark error's code, e.g. `'EOPENBREAKER'`, `'EBULKHEADREJECTED'`, `'ERATELIMITED'`, `'ETIMEDOUT'`. */
    readonly code: string;
    readonly message: string;
    /** When to try again, in ms, if the policy knows (the `Retry-After` header carries it in whole seconds). */
    readonly retryAfterMs?: number;
  };
}

/** What an adapter sends for a policy's rejection: status, headers and JSON body. */
export interface HttpErrorResponse {
  readonly status: number;
  /** Lower-case header names: `retry-after` when the policy knows when to try again. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: HttpErrorBody;
}

/** Options of {@link httpErrorFor}. */
export interface HttpErrorOptions {
  /**
   * The service is a gateway to the dependency that timed out: a timeout answers 504 Gateway
   * Timeout instead of 503 (default false).
   */
  readonly gateway?: boolean;
}

/** `Retry-After` in whole seconds, rounded up (RFC 9110 §10.2.3 allows only integers). */
export function retryAfterSeconds(retryAfterMs: number): string {
  return String(Math.ceil(Math.max(0, retryAfterMs) / 1000));
}

function response(status: number, code: string, message: string, retryAfterMs: number | undefined): HttpErrorResponse {
  const known = retryAfterMs !== undefined && Number.isFinite(retryAfterMs);
  return {
    status,
    headers: known ? { 'retry-after': retryAfterSeconds(retryAfterMs) } : {},
    body: { error: known ? { code, message, retryAfterMs: Math.ceil(Math.max(0, retryAfterMs)) } : { code, message } },
  };
}

/**
 * The HTTP response for an error a Bulwark policy raised, or `undefined` for any other error
 * (the application's own, which the adapter passes on untouched). The one place where errors
 * become status codes, after the conventions of resilience4j and Polly:
 *
 * | error | status |
 * |---|---|
 * | open breaker (`CircuitOpenError`), shut down breaker, breaker `capacity` reached | 503 + `Retry-After` when known |
 * | full bulkhead or queue timeout (`BulkheadRejectedError`) | 503 + `Retry-After` |
 * | rate limited (`RateLimitedError`) | 429 + `Retry-After` |
 * | timeout (`TimeoutError`) | 503, or 504 with `{ gateway: true }` |
 * | `RetryExhaustedError` | what its last error maps to, else `undefined` |
 *
 * A bulkhead rejection whose reason is `'aborted'` (the client went away) maps to `undefined`:
 * there is nobody to answer. Shedding is the server's state, not the client's fault, so only a
 * per-client rate limit answers 429.
 *
 * @example
 * const mapped = httpErrorFor(error);
 * if (mapped) res.status(mapped.status).set(mapped.headers).json(mapped.body);
 */
export function httpErrorFor(error: unknown, options: HttpErrorOptions = {}): HttpErrorResponse | undefined {
  if (isCircuitOpenError(error)) return response(503, error.code, error.message, error.retryAfterMs);
  if (isBulkheadRejectedError(error)) {
    return error.reason === 'aborted' ? undefined : response(503, error.code, error.message, error.retryAfterMs);
  }
  if (isRateLimitedError(error)) return response(429, error.code, error.message, error.retryAfterMs);
  if (isTimeoutError(error)) return response(options.gateway === true ? 504 : 503, error.code, error.message, undefined);
  if (isSemaphoreLockedError(error) || isCircuitShutdownError(error)) return response(503, error.code, error.message, undefined);
  if (isRetryExhaustedError(error)) return httpErrorFor(error.cause, options);
  return undefined;
}
