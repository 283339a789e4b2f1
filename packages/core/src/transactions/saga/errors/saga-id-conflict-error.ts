import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * `start()` was given the id of an existing saga instance of another saga, or of a forgotten
 * one whose records the log still holds. A saga id is the saga's idempotency key: starting the
 * same saga with the same id again returns the first start's outcome, but one id cannot name
 * two different sagas, and an ended saga's id cannot be reused until a compaction removed its
 * records from the log (else the log would hold two runs of one id, with the same step keys).
 *
 * @example
 * await orchestrator.start(orders, input, { id: 'order-7' });
 * await orchestrator.start(refunds, input, { id: 'order-7' }).catch((e) => isSagaIdConflictError(e)); // true
 */
export class SagaIdConflictError extends BulwarkError {
  readonly code = 'ESAGAIDCONFLICT' as const;

  /**
   * @param sagaId the id asked for
   * @param existing the saga that id already names (or named, when `forgotten`)
   * @param requested the saga `start()` was asked to run
   * @param forgotten true when the id names an ended saga no longer kept (past `maxEndedSagas`)
   *   whose records stay in the log until the next compaction
   */
  constructor(
    readonly sagaId: string,
    readonly existing: string,
    readonly requested: string,
    readonly forgotten = false,
  ) {
    super(
      forgotten
        ? `Saga id ${JSON.stringify(sagaId)} named a ${JSON.stringify(existing)} saga that ended and was forgotten; its records stay in the log until the next compaction, so the id cannot be reused yet`
        : `Saga id ${JSON.stringify(sagaId)} already names a ${JSON.stringify(existing)} saga, not ${JSON.stringify(requested)}`,
    );
  }
}
nameErrorClass(SagaIdConflictError);

/** True when `value` is a {@link SagaIdConflictError} from any copy of Bulwark. */
export const isSagaIdConflictError = errorGuard<SagaIdConflictError>('ESAGAIDCONFLICT');
