import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';

/**
 * Why a bulkhead refused a call:
 * - `'full'`: every slot was busy and the queue was full (or there is no queue);
 * - `'queue-timeout'`: the call waited in the queue longer than `queueTimeoutMs`;
 * - `'aborted'`: the caller's signal aborted while the call waited in the queue.
 *
 * In every case the call never ran.
 */
export type BulkheadRejectionReason = 'full' | 'queue-timeout' | 'aborted';

const MESSAGES: Record<BulkheadRejectionReason, string> = {
  full: 'Bulkhead is full: every slot is busy and the queue is full',
  'queue-timeout': 'Bulkhead queue timeout: the call waited too long for a slot',
  aborted: 'Bulkhead call aborted: the caller gave up while the call waited for a slot',
};

/**
 * A bulkhead refused a call, which never ran. Adapters map it to `503` with a `Retry-After`
 * taken from {@link BulkheadRejectedError.retryAfterMs} (load shedding, not a client's fault).
 *
 * @example
 * try {
 *   await pool.execute(() => work());
 * } catch (error) {
 *   if (isBulkheadRejectedError(error) && error.reason === 'full') shed(error.retryAfterMs);
 * }
 */
export class BulkheadRejectedError extends BulwarkError {
  readonly code = 'EBULKHEADREJECTED' as const;
  /**
   * An estimate, in ms, of how long until a new call would get a slot: the recent mean duration
   * of a call times the calls ahead of it per slot (`mean × (queued + 1) / maxConcurrent`), at
   * least 1 ms. `undefined` when the bulkhead has not seen a call complete yet (nothing to
   * estimate from) and for `'aborted'` (the caller gave up; there is nothing to retry).
   */
  readonly retryAfterMs: number | undefined;

  /**
   * @param reason why the call was refused; the message names it
   * @param options `retryAfterMs`: see the field; `cause`: for `'aborted'`, the signal's reason
   */
  constructor(
    readonly reason: BulkheadRejectionReason,
    options?: { retryAfterMs?: number; cause?: unknown },
  ) {
    super(MESSAGES[reason], options !== undefined && 'cause' in options ? { cause: options.cause } : undefined);
    this.retryAfterMs = options?.retryAfterMs;
  }
}
nameErrorClass(BulkheadRejectedError);

/** True when `value` is a {@link BulkheadRejectedError} from any copy of Bulwark. */
export const isBulkheadRejectedError = errorGuard<BulkheadRejectedError>('EBULKHEADREJECTED');
