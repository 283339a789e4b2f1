import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * Why a {@link RaftNode} gave up on a request it had accepted:
 * - `'overwritten'`: another leader's entry took the proposal's index; it was **not** applied;
 * - `'leadership-lost'`: the node stopped leading (or changed leader, for a read) while the
 *   request was pending; a proposal may still be applied later, or not — the outcome is unknown,
 *   so retry only what is idempotent (or use client sessions).
 */
export type RequestLostReason = 'overwritten' | 'leadership-lost';

/**
 * A pending proposal, membership change or read of a {@link RaftNode} was lost; see
 * {@link RequestLostReason} for what is known of its outcome.
 *
 * @example
 * try {
 *   await node.propose(command);
 * } catch (error) {
 *   if (isRequestLostError(error) && error.reason === 'overwritten') await retryAtLeader(command);
 * }
 */
export class RequestLostError extends BulwarkError {
  readonly code = 'EREQUESTLOST' as const;

  /**
   * @param request what was lost
   * @param reason why
   * @param index the log index the proposal had, when it had one
   */
  constructor(
    readonly request: 'proposal' | 'read',
    readonly reason: RequestLostReason,
    readonly index: number | undefined,
  ) {
    super(
      reason === 'overwritten'
        ? `Raft ${request} at index ${index} was overwritten by another leader's entry and not applied`
        : `Raft ${request}${index === undefined ? '' : ` at index ${index}`} lost: leadership changed while it was pending (outcome unknown)`,
    );
  }
}
nameErrorClass(RequestLostError);

/** True when `value` is a {@link RequestLostError} from any copy of Bulwark. */
export const isRequestLostError = errorGuard<RequestLostError>('EREQUESTLOST');
