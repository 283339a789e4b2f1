/**
 * A step of the orders saga refused for good: the demo's `?fail=<step>` flag, or an action whose
 * compensation already ran (`refused` by the KV). Not retried: the saga compensates.
 */
export class OrderDeclinedError extends Error {
  override readonly name = 'OrderDeclinedError';
  readonly code = 'EORDERDECLINED';

  constructor(
    /** The step that declined. */
    readonly step: string,
    message: string,
  ) {
    super(message);
  }
}

/** True when `error` is an {@link OrderDeclinedError}. */
export function isOrderDeclinedError(error: unknown): error is OrderDeclinedError {
  return error instanceof OrderDeclinedError;
}
