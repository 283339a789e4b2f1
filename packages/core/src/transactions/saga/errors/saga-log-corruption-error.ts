import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A saga log record passed the log's checksum but makes no sense: it is not JSON, misses a
 * field, or breaks the saga's order (a step succeeding that never started, a compensation out of
 * reverse order, a record after the saga ended). The orchestrator refuses to start rather than
 * guess which steps ran: an operator must look at the log.
 *
 * @example
 * try {
 *   SagaOrchestrator.open({ dir: '/var/lib/sagas', sagas: [orders] });
 * } catch (error) {
 *   if (isSagaLogCorruptionError(error)) console.error(`record ${error.index}: ${error.reason}`);
 * }
 */
export class SagaLogCorruptionError extends BulwarkError {
  readonly code = 'ESAGALOGCORRUPT' as const;

  /**
   * @param index the record's position in the replayed log (from 0)
   * @param reason what is wrong with it
   */
  constructor(
    readonly index: number,
    readonly reason: string,
  ) {
    super(`Saga log: record ${index} is corrupt: ${reason}`);
  }
}
nameErrorClass(SagaLogCorruptionError);

/** True when `value` is a {@link SagaLogCorruptionError} from any copy of Bulwark. */
export const isSagaLogCorruptionError = errorGuard<SagaLogCorruptionError>('ESAGALOGCORRUPT');
