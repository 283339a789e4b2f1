import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';
import { OPOSSUM_BRAND } from './opossum-brand.js';

/** An operation took longer than its time limit. Same message and `code` as opossum's. */
export class TimeoutError extends BulwarkError {
  readonly code = 'ETIMEDOUT' as const;
  /**
   * @param timeoutMs the limit that was exceeded
   * @param options `cause`: why the operation was abandoned (for example an abort reason)
   */
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`Timed out after ${timeoutMs}ms`, options);
  }
}
nameErrorClass(TimeoutError, OPOSSUM_BRAND);

/** True when `value` is a {@link TimeoutError} from any copy of Bulwark. */
export const isTimeoutError = errorGuard<TimeoutError>('ETIMEDOUT');
