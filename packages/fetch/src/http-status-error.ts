import { BulwarkError, isBulwarkError } from '@bulwark/core';

/**
 * What the per-origin breaker and the retry policy see when an origin answers with a failure
 * status (408, 429 or 5xx; see `isBreakerFailureStatus`): the response, wrapped as an error so
 * the breaker counts it and the retry policy retries it. `createFetch` never rejects with it: the
 * caller gets the `Response` itself, as with plain `fetch`. It shows up where policies report
 * failures: a breaker's `errorFilter` and `'failure'` event, a retry's `shouldRetry`, `onRetry`
 * and the `errors` of a `RetryExhaustedError`.
 *
 * The body of a response that was retried is cancelled right after `onRetry` returns, so read
 * only the status and headers there.
 *
 * @example
 * const api = createFetch({ breaker: { errorFilter: (e) => isHttpStatusError(e) && e.status === 429 } }); // 429 does not open it
 */
export class HttpStatusError extends BulwarkError {
  readonly code = 'EHTTPSTATUS' as const;
  /** The response's status. */
  readonly status: number;

  /**
   * @param response the failed response
   * @param retryAfterMs the delay its `Retry-After` header asks for in ms, already capped by
   *   `maxRetryAfterMs` (the retry policy waits at least this long), when there is one
   * @param url the request's URL, for the message
   */
  constructor(
    readonly response: Response,
    readonly retryAfterMs: number | undefined,
    url: string,
  ) {
    super(`${url} answered ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`);
    this.status = response.status;
  }
}
Object.defineProperty(HttpStatusError.prototype, 'name', { value: 'HttpStatusError', configurable: true, writable: true });

/** True when `value` is an {@link HttpStatusError} (from any copy of this package). */
export function isHttpStatusError(value: unknown): value is HttpStatusError {
  return isBulwarkError(value) && value.code === 'EHTTPSTATUS';
}
