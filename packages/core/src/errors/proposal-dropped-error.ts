import { BulwarkError, errorGuard, nameErrorClass } from './bulwark-error.js';

/**
 * Why a Raft node dropped a proposal:
 * - `'not-leader'`: proposals (and reads) go to the leader, and this node is not it;
 * - `'transferring'`: this leader is handing leadership over (thesis §3.10) and takes no
 *   proposals until the transfer ends; retry at the new leader;
 * - `'conf-change-pending'`: a membership change was proposed while an earlier one is not
 *   applied yet (one at a time); retry once it is;
 * - `'uncommitted-limit'`: the leader holds `maxUncommittedBytes` of uncommitted commands
 *   (flow control); retry once commits catch up.
 */
export type ProposalDropReason = 'not-leader' | 'transferring' | 'conf-change-pending' | 'uncommitted-limit';

const EXPLANATIONS: Record<Exclude<ProposalDropReason, 'not-leader'>, string> = {
  transferring: 'this leader is transferring leadership',
  'conf-change-pending': 'an earlier configuration change is not applied yet',
  'uncommitted-limit': 'the leader holds maxUncommittedBytes of uncommitted commands already',
};

/**
 * A Raft node refused a proposal, which was not appended anywhere; the caller may retry it
 * elsewhere. {@link ProposalDroppedError.leaderId} names the leader when the node knows one, so
 * an adapter can redirect (HTTP `421`/`307`, or `503` when no leader is known).
 *
 * @example
 * try {
 *   raft.propose(command);
 * } catch (error) {
 *   if (isProposalDroppedError(error) && error.leaderId !== undefined) forwardTo(error.leaderId, command);
 * }
 */
export class ProposalDroppedError extends BulwarkError {
  readonly code = 'EPROPOSALDROPPED' as const;

  /**
   * @param reason why the proposal was dropped
   * @param leaderId the leader this node knows of in `term`, if any
   * @param term the node's term when it dropped the proposal
   */
  constructor(
    readonly reason: ProposalDropReason,
    readonly leaderId: string | undefined,
    readonly term: number,
  ) {
    super(
      reason !== 'not-leader'
        ? `Raft proposal dropped: ${EXPLANATIONS[reason]} (term ${term})`
        : leaderId === undefined
          ? `Raft proposal dropped: this node is not the leader and knows no leader in term ${term}`
          : `Raft proposal dropped: this node is not the leader; the leader of term ${term} is ${JSON.stringify(leaderId)}`,
    );
  }
}
nameErrorClass(ProposalDroppedError);

/** True when `value` is a {@link ProposalDroppedError} from any copy of Bulwark. */
export const isProposalDroppedError = errorGuard<ProposalDroppedError>('EPROPOSALDROPPED');
