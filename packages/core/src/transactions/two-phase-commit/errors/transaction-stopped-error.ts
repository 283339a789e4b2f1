import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A two-phase commit runtime (coordinator or participant) was stopped — by `stop()`, or because
 * its log failed (then `cause` holds the error) — with the call pending, or the call came after.
 * For a transaction that had started, the outcome is unknown to this caller (as for
 * `TransactionInDoubtError`): a restarted coordinator finishes or presumes it aborted.
 *
 * @example
 * await coordinator.stop();
 * await coordinator.transact({ participants }).catch(isTransactionStoppedError); // true
 */
export class TransactionStoppedError extends BulwarkError {
  readonly code = 'ETXSTOPPED' as const;

  /**
   * @param role which runtime stopped
   * @param cause the failure that stopped it, if it did not stop on request
   */
  constructor(
    readonly role: 'coordinator' | 'participant',
    cause?: unknown,
  ) {
    super(cause === undefined ? `two-phase commit ${role} is stopped` : `two-phase commit ${role} stopped after a failure: ${String(cause)}`, { cause });
  }
}
nameErrorClass(TransactionStoppedError);

/** True when `value` is a {@link TransactionStoppedError} from any copy of Bulwark. */
export const isTransactionStoppedError = errorGuard<TransactionStoppedError>('ETXSTOPPED');
