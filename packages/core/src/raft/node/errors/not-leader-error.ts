import { BulwarkError, errorGuard, nameErrorClass } from '../../../errors/bulwark-error.js';

/**
 * A {@link RaftNode} refused a proposal, read or membership change because it is not the
 * leader. {@link NotLeaderError.leaderId} names the leader it knows of (redirect there), or is
 * `undefined` while no leader is known (retry later).
 *
 * @example
 * try {
 *   await node.propose(command);
 * } catch (error) {
 *   if (isNotLeaderError(error) && error.leaderId !== undefined) await nodes[error.leaderId].propose(command);
 * }
 */
export class NotLeaderError extends BulwarkError {
  readonly code = 'ENOTLEADER' as const;

  /**
   * @param leaderId the leader this node knows of in `term`, if any
   * @param term the node's term when it refused
   */
  constructor(
    readonly leaderId: string | undefined,
    readonly term: number,
  ) {
    super(
      leaderId === undefined
        ? `Raft node is not the leader and knows no leader in term ${term}`
        : `Raft node is not the leader; the leader of term ${term} is ${JSON.stringify(leaderId)}`,
    );
  }
}
nameErrorClass(NotLeaderError);

/** True when `value` is a {@link NotLeaderError} from any copy of Bulwark. */
export const isNotLeaderError = errorGuard<NotLeaderError>('ENOTLEADER');
