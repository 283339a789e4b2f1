import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';

/**
 * Why a retry policy stopped while the failure still called for a retry:
 * - `'attempts'`: `maxAttempts` were made;
 * - `'elapsed'`: the next retry would start after `maxElapsedMs`;
 * - `'budget'`: the shared retry budget had no retry left.
 */
export type RetryExhaustedReason = 'attempts' | 'elapsed' | 'budget';

const WHY: Record<RetryExhaustedReason, string> = {
  attempts: 'maxAttempts reached',
  elapsed: 'maxElapsedMs would be exceeded',
  budget: 'retry budget exhausted',
};

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * A retry policy gave up on a call whose failures it would have retried: every attempt failed
 * and no further attempt was allowed (see {@link RetryExhaustedReason}). `cause` is the last
 * attempt's error and `errors` holds the error of every failed attempt, oldest first.
 *
 * @example
 * try { await policy.execute(call); } catch (e) {
 *   if (isRetryExhaustedError(e)) log.warn(`gave up after ${e.attempts} attempts (${e.reason})`, e.cause);
 * }
 */
export class RetryExhaustedError extends BulwarkError {
  readonly code = 'ERETRYEXHAUSTED' as const;
  /** The last attempt's error. */
  declare readonly cause: unknown;

  /**
   * @param attempts how many attempts were made (≥ 1)
   * @param errors the error of each failed attempt, oldest first (its last one becomes `cause`)
   * @param reason why no further attempt was made (default `'attempts'`)
   */
  constructor(
    readonly attempts: number,
    readonly errors: readonly unknown[],
    readonly reason: RetryExhaustedReason = 'attempts',
  ) {
    const last = errors[errors.length - 1];
    super(
      `Gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} (${WHY[reason]})` +
        (errors.length > 0 ? `; last error: ${describeError(last)}` : ''),
      { cause: last },
    );
  }
}
nameErrorClass(RetryExhaustedError);

/** True when `value` is a {@link RetryExhaustedError} from any copy of Bulwark. */
export const isRetryExhaustedError = errorGuard<RetryExhaustedError>('ERETRYEXHAUSTED');
