import { BulwarkError, errorGuard, nameErrorClass } from '../../errors/bulwark-error.js';

/**
 * A membership change that cannot apply to the current configuration: removing the last voter,
 * promoting a node that is not a learner, entering a joint configuration while in one, leaving
 * one while not in one, or a simple change that moves more than one voter (Raft thesis §4.1,
 * §4.3). Thrown by `Raft.proposeConfChange` before anything is appended, and by
 * `Raft.applyConfChange` — identically on every node, since they all apply the same changes to
 * the same configuration — which then changes nothing.
 *
 * @example
 * try {
 *   raft.proposeConfChange({ changes: [{ type: 'remove', node: 'a' }] });
 * } catch (error) {
 *   if (isConfChangeError(error)) console.log(error.message);
 * }
 */
export class ConfChangeError extends BulwarkError {
  readonly code = 'ERAFTCONFCHANGE' as const;

  /** @param reason what is wrong with the change, in one sentence */
  constructor(readonly reason: string) {
    super(`Raft configuration change refused: ${reason}`);
  }
}
nameErrorClass(ConfChangeError);

/** True when `value` is a {@link ConfChangeError} from any copy of Bulwark. */
export const isConfChangeError = errorGuard<ConfChangeError>('ERAFTCONFCHANGE');
