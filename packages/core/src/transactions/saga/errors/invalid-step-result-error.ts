import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A saga step's action returned a result the saga log cannot hold: not JSON-serializable (a
 * function, a cycle, a `BigInt`) or larger than the orchestrator's `maxRecordBytes`. The step
 * fails with this error (without a retry: the same action would return the same kind of value),
 * and the saga compensates. Return an id or a small summary, not a whole object graph.
 *
 * @example
 * const outcome = await orchestrator.start(saga, input);
 * if (outcome.error?.code === 'EINVALIDSTEPRESULT') console.error(outcome.error.message);
 */
export class InvalidStepResultError extends BulwarkError {
  readonly code = 'EINVALIDSTEPRESULT' as const;

  /**
   * @param step the step's name
   * @param reason why its result cannot be logged
   */
  constructor(
    readonly step: string,
    readonly reason: string,
  ) {
    super(`Saga step ${JSON.stringify(step)} returned a result the saga log cannot hold: ${reason}`);
  }
}
nameErrorClass(InvalidStepResultError);

/** True when `value` is an {@link InvalidStepResultError} from any copy of Bulwark. */
export const isInvalidStepResultError = errorGuard<InvalidStepResultError>('EINVALIDSTEPRESULT');
