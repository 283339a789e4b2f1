import { isTimeoutError, retry } from '@bulwark/core';
import type { Clock, Random, RetryContext, RetryEvent, RetryOptions, RetryPolicy } from '@bulwark/core';
import { discardResponse } from './discard-response.js';
import { isHttpStatusError } from './http-status-error.js';
import { isRetryableStatus } from './request-rules.js';

/**
 * True for a network error as fetch reports one: a `TypeError` ("fetch failed", with the
 * socket error as `cause`). Told by name, so errors from another realm count too.
 */
export function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'TypeError');
}

/**
 * True for the failures of an attempt that `createFetch` retries (for idempotent requests): a
 * retryable status (an {@link HttpStatusError} with 408, 429, 500, 502, 503 or 504), a network
 * error (fetch rejects with a `TypeError`), or a `TimeoutError` of the attempt. Not retried: an
 * open breaker (`CircuitOpenError`: failing fast is its point), and any other error.
 */
export function isRetryableFailure(error: unknown): boolean {
  if (isHttpStatusError(error)) return isRetryableStatus(error.status);
  return isNetworkError(error) || isTimeoutError(error);
}

/**
 * `onRetry` for fetch: the failed response will not be read (another attempt replaces it), so
 * its body is cancelled now, before the wait, rather than hold a connection through it.
 */
export function discardRetried(event: RetryEvent): void {
  if ('error' in event && isHttpStatusError(event.error)) discardResponse(event.error.response);
}

/**
 * The retry policy of a fetch, from the caller's retry options: their `shouldRetry` is asked
 * only about failures {@link isRetryableFailure} accepts (so it can only narrow the rules), and
 * every retried response's body is cancelled right after their `onRetry` returns.
 */
export function fetchRetry(options: RetryOptions, clock: Clock, random: Random): RetryPolicy {
  const { shouldRetry, onRetry } = options;
  return retry({
    ...options,
    clock: options.clock ?? clock,
    random: options.random ?? random,
    shouldRetry: (context: RetryContext) => 'error' in context && isRetryableFailure(context.error) && (shouldRetry === undefined || shouldRetry(context)),
    onRetry: (event: RetryEvent) => {
      try {
        onRetry?.(event);
      } finally {
        discardRetried(event);
      }
    },
  });
}
