import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * `start()` was given the id of an existing saga instance of another saga. A saga id is the
 * saga's idempotency key: starting the same saga with the same id again returns the first
 * start's outcome, but one id cannot name two different sagas.
 *
 * @example
 * await orchestrator.start(orders, input, { id: 'order-7' });
 * await orchestrator.start(refunds, input, { id: 'order-7' }).catch((e) => isSagaIdConflictError(e)); // true
 */
export class SagaIdConflictError extends BulwarkError {
  readonly code = 'ESAGAIDCONFLICT' as const;

  /**
   * @param sagaId the id asked for
   * @param existing the saga that id already names
   * @param requested the saga `start()` was asked to run
   */
  constructor(
    readonly sagaId: string,
    readonly existing: string,
    readonly requested: string,
  ) {
    super(`Saga id ${JSON.stringify(sagaId)} already names a ${JSON.stringify(existing)} saga, not ${JSON.stringify(requested)}`);
  }
}
nameErrorClass(SagaIdConflictError);

/** True when `value` is a {@link SagaIdConflictError} from any copy of Bulwark. */
export const isSagaIdConflictError = errorGuard<SagaIdConflictError>('ESAGAIDCONFLICT');
