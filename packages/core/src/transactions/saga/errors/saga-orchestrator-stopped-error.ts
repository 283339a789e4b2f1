import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * The saga orchestrator stopped (by `close()`, or because writing its log failed: then `cause`
 * holds that error) while a saga was waited on, or a call came after it stopped. The saga is
 * not lost: its log holds every step it had recorded, and a new orchestrator on the same log
 * continues it with `resume()`.
 *
 * @example
 * const outcome = await orchestrator.start(orders, input).catch((error) => {
 *   if (isSagaOrchestratorStoppedError(error)) return undefined; // resumed after the restart
 *   throw error;
 * });
 */
export class SagaOrchestratorStoppedError extends BulwarkError {
  readonly code = 'ESAGASTOPPED' as const;

  /** @param cause the failure that stopped the orchestrator, if it did not stop on request */
  constructor(cause?: unknown) {
    super(
      cause === undefined ? 'Saga orchestrator is stopped' : `Saga orchestrator stopped after a failure: ${String(cause)}`,
      cause === undefined ? undefined : { cause },
    );
  }
}
nameErrorClass(SagaOrchestratorStoppedError);

/** True when `value` is a {@link SagaOrchestratorStoppedError} from any copy of Bulwark. */
export const isSagaOrchestratorStoppedError = errorGuard<SagaOrchestratorStoppedError>('ESAGASTOPPED');
