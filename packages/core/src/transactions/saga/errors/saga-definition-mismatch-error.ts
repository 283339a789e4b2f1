import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * The saga log holds a saga the orchestrator cannot continue with the definitions it was given:
 * no saga of that name is registered, or the registered one has other steps than the log
 * recorded when the saga started. Deploy a new saga under a new name (`orders-v2`) and keep the
 * old definition registered until its sagas have ended.
 *
 * @example
 * try {
 *   orchestrator.resume();
 * } catch (error) {
 *   if (isSagaDefinitionMismatchError(error)) console.error(`${error.sagaId}: ${error.reason}`);
 * }
 */
export class SagaDefinitionMismatchError extends BulwarkError {
  readonly code = 'ESAGAMISMATCH' as const;

  /**
   * @param sagaId the saga instance in the log
   * @param saga the saga's name in the log
   * @param reason what does not match
   */
  constructor(
    readonly sagaId: string,
    readonly saga: string,
    readonly reason: string,
  ) {
    super(`Saga ${JSON.stringify(sagaId)} (${JSON.stringify(saga)}) cannot be resumed: ${reason}`);
  }
}
nameErrorClass(SagaDefinitionMismatchError);

/** True when `value` is a {@link SagaDefinitionMismatchError} from any copy of Bulwark. */
export const isSagaDefinitionMismatchError = errorGuard<SagaDefinitionMismatchError>('ESAGAMISMATCH');
