import { BulwarkError, isBulwarkError } from '@bulwark/core';

/**
 * A fetch from `createFetch` refused a request to a new origin because it already keeps a breaker
 * or a bulkhead for `maxOrigins` others. The request was not sent.
 *
 * Per-origin policies live in a registry, which never forgets an instance (metrics exporters and
 * health checks list them all), so the bound is a hard one rather than an LRU: evicting an
 * origin would not free its instances, and would silently reset an open breaker.
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
      `createFetch: options.maxOrigins (${maxOrigins}) reached: refused a request to the new origin ${origin} ` +
        '(raise maxOrigins, or set breaker and bulkhead to false for open-ended crawls)',
    );
  }
}
Object.defineProperty(OriginLimitError.prototype, 'name', { value: 'OriginLimitError', configurable: true, writable: true });

/** True when `value` is an {@link OriginLimitError} (from any copy of this package). */
export function isOriginLimitError(value: unknown): value is OriginLimitError {
  return isBulwarkError(value) && value.code === 'EORIGINLIMIT';
}
