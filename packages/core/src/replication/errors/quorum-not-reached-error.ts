import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * Why a quorum store request failed: `'timeout'` — fewer than R replies or W acknowledgements
 * arrived in time; `'session'` — every replica asked answered, but none had caught up with the
 * session's causal token.
 */
export type QuorumFailureReason = 'timeout' | 'session';

/**
 * A quorum store request did not get the replies it needed. For a failed write the outcome is
 * unknown: some replicas may hold it, and read repair, hinted handoff or anti-entropy may still
 * spread it. Retrying with the same context is safe (it supersedes the same versions).
 *
 * @example
 * try {
 *   await store.put('cart', items, { token });
 * } catch (error) {
 *   if (isQuorumNotReachedError(error) && error.reason === 'timeout') scheduleRetry();
 *   else throw error;
 * }
 */
export class QuorumNotReachedError extends BulwarkError {
  readonly code = 'EQUORUM' as const;

  /**
   * @param operation what was asked
   * @param key the key
   * @param reason why it failed
   * @param required the replies (R) or acknowledgements (W) needed
   * @param received how many arrived
   */
  constructor(
    readonly operation: 'get' | 'put' | 'delete',
    readonly key: string,
    readonly reason: QuorumFailureReason,
    readonly required: number,
    readonly received: number,
  ) {
    super(
      reason === 'session'
        ? `Quorum store ${operation} of ${JSON.stringify(key)}: no replica reached has caught up with the session's causal token`
        : `Quorum store ${operation} of ${JSON.stringify(key)}: ${received} of ${required} ${operation === 'get' ? 'replies' : 'acknowledgements'} before the timeout` +
            (operation === 'get' ? '' : '; the write may or may not have taken effect'),
    );
  }
}
nameErrorClass(QuorumNotReachedError);

/** True when `value` is a {@link QuorumNotReachedError} from any copy of Bulwark. */
export const isQuorumNotReachedError = errorGuard<QuorumNotReachedError>('EQUORUM');
