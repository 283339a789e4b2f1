import { BulwarkError, isBulwarkError } from '@bulwark/core';

/**
 * A fetch from `createFetch` refused a request to a new origin: it keeps a breaker or a bulkhead
 * for `maxOrigins` others already, and none of them could be evicted to make room. The request
 * was not sent.
 *
 * Past `maxOrigins`, a new origin evicts the least recently used origin that is idle (no call in
 * progress, bulkhead empty, breaker closed or half-open). This error is for when there is none:
 * every origin has a call in progress or an open (or disabled) breaker, and forgetting an open
 * breaker would send requests straight back to an origin that is failing.
 *
 * @example
 * try { await api(url); } catch (e) { if (isOriginLimitError(e)) log.warn(`not crawling ${e.origin}`); }
 */
export class OriginLimitError extends BulwarkError {
  readonly code = 'EORIGINLIMIT' as const;

  /**
   * @param origin the refused origin (`https://example.com`)
   * @param maxOrigins the bound that was reached
   */
  constructor(
    readonly origin: string,
    readonly maxOrigins: number,
  ) {
    super(
      `createFetch: options.maxOrigins (${maxOrigins}) reached and no origin can be evicted (each has a call in progress, or an open or disabled breaker): ` +
        `refused a request to the new origin ${origin} (raise maxOrigins, or set breaker and bulkhead to false for open-ended crawls)`,
    );
  }
}
Object.defineProperty(OriginLimitError.prototype, 'name', { value: 'OriginLimitError', configurable: true, writable: true });

/** True when `value` is an {@link OriginLimitError} (from any copy of this package). */
export function isOriginLimitError(value: unknown): value is OriginLimitError {
  return isBulwarkError(value) && value.code === 'EORIGINLIMIT';
}
