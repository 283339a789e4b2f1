import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * `transact({ id })` named a transaction that is still running here (`reason: 'running'`), that
 * finished here with different work (`'different-work'`), or whose decision the decision log
 * holds while this coordinator cannot tell what its work was (`'decided'`: it finished before a
 * restart, or on another coordinator). Ids are the protocol's idempotency keys: reusing one for
 * other work would answer the old outcome without applying the new writes.
 *
 * @example
 * await coordinator.transact({ id: 'order-17', participants }).catch((e) => isDuplicateTransactionError(e) && e.txId); // 'order-17'
 */
export class DuplicateTransactionError extends BulwarkError {
  readonly code = 'ETXDUPLICATE' as const;

  /**
   * @param txId the id in use
   * @param reason why it cannot be (re)used; default `'running'`
   */
  constructor(
    readonly txId: string,
    readonly reason: 'running' | 'different-work' | 'decided' = 'running',
  ) {
    super(
      reason === 'running'
        ? `transaction ${txId} is already running on this coordinator`
        : reason === 'different-work'
          ? `transaction ${txId} already finished on this coordinator with different work`
          : `transaction ${txId} was already decided (the decision log holds it); use a new id`,
    );
  }
}
nameErrorClass(DuplicateTransactionError);

/** True when `value` is a {@link DuplicateTransactionError} from any copy of Bulwark. */
export const isDuplicateTransactionError = errorGuard<DuplicateTransactionError>('ETXDUPLICATE');
