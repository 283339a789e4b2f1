import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * `transact({ id })` named a transaction this coordinator is still running. Ids are the
 * protocol's idempotency keys: reusing one for different work would mix two transactions.
 *
 * @example
 * await coordinator.transact({ id: 'order-17', participants }).catch((e) => isDuplicateTransactionError(e) && e.txId); // 'order-17'
 */
export class DuplicateTransactionError extends BulwarkError {
  readonly code = 'ETXDUPLICATE' as const;

  /** @param txId the id in use */
  constructor(readonly txId: string) {
    super(`transaction ${txId} is already running on this coordinator`);
  }
}
nameErrorClass(DuplicateTransactionError);

/** True when `value` is a {@link DuplicateTransactionError} from any copy of Bulwark. */
export const isDuplicateTransactionError = errorGuard<DuplicateTransactionError>('ETXDUPLICATE');
