import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A record in a two-phase commit log passed the log's checksum but makes no sense (not JSON, an
 * unknown type, a field missing): the log was written by something else or by a buggy version.
 * Opening refuses rather than guess, like `WalCorruptionError` for damaged bytes.
 *
 * @example
 * try {
 *   await TwoPhaseParticipant.open({ id: 'p1', dir, store, transport, clock });
 * } catch (error) {
 *   if (isTransactionRecordError(error)) console.error(`record ${error.index}: ${error.reason}`);
 * }
 */
export class TransactionRecordError extends BulwarkError {
  readonly code = 'ETXRECORD' as const;

  /**
   * @param log which log (`'participant'` or `'decision'`)
   * @param index the record's position in the replayed log (from 0)
   * @param reason what is wrong with it
   */
  constructor(
    readonly log: 'participant' | 'decision',
    readonly index: number,
    readonly reason: string,
  ) {
    super(`two-phase commit ${log} log: record ${index} is invalid: ${reason}`);
  }
}
nameErrorClass(TransactionRecordError);

/** True when `value` is a {@link TransactionRecordError} from any copy of Bulwark. */
export const isTransactionRecordError = errorGuard<TransactionRecordError>('ETXRECORD');
