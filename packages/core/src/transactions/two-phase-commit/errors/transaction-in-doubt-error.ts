import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * The client's wait for a transaction ended while its decision was being recorded: the outcome is
 * **unknown** (an *indefinite* error, Maelstrom's rule) — it may yet commit or abort, the same way
 * at every participant. Ask `status(txId)` later (`GET /transactions/:id`); never assume it aborted.
 *
 * @example
 * try {
 *   await coordinator.transact({ participants, timeoutMs: 2000 });
 * } catch (error) {
 *   if (isTransactionInDoubtError(error)) return { status: 202, body: { id: error.txId, status: 'unknown' } };
 *   throw error;
 * }
 */
export class TransactionInDoubtError extends BulwarkError {
  readonly code = 'ETXINDOUBT' as const;

  /**
   * @param txId the transaction
   * @param waitedMs how long the client waited
   */
  constructor(
    readonly txId: string,
    readonly waitedMs: number,
  ) {
    super(`transaction ${txId}: outcome unknown after ${waitedMs} ms (its decision was being recorded); ask its status later`);
  }
}
nameErrorClass(TransactionInDoubtError);

/** True when `value` is a {@link TransactionInDoubtError} from any copy of Bulwark. */
export const isTransactionInDoubtError = errorGuard<TransactionInDoubtError>('ETXINDOUBT');
