import { ProposalDroppedError } from '../errors/proposal-dropped-error.js';
import { type ConfChange, encodeConfChange, leavesJoint } from './conf-change.js';
import { type Membership, changeMembership } from './membership.js';
import type { RaftCore } from './raft-core.js';
import { broadcastAppend, sendAppend } from './leader-replication.js';

// Membership changes on the core (Raft thesis chapter 4, as etcd-io/raft does them): a change is
// an entry of the log, and takes effect on each node when the application applies it.

/**
 * The leader appends a configuration change. Refused — nothing appended — when this node does
 * not lead or is transferring leadership, while an earlier change is not applied yet (one at a
 * time: thesis §4.1, and the single-server bug Ongaro reported on raft-dev in 2015 needs the
 * leader to commit in its term first, which `pendingConfIndex` also waits for), and when the
 * change cannot apply to the current configuration.
 *
 * @throws {ProposalDroppedError} `'not-leader'`, `'transferring'`, `'conf-change-pending'` or
 *   `'uncommitted-limit'`
 * @throws {ConfChangeError} when the change is invalid for the current configuration
 */
export function proposeConfChange(core: RaftCore, change: ConfChange): { index: number; term: number } {
  if (core.role !== 'leader') throw new ProposalDroppedError('not-leader', core.leaderId, core.term);
  if (core.leadTransferee !== undefined) throw new ProposalDroppedError('transferring', core.id, core.term);
  if (core.pendingConfIndex > core.log.applied) throw new ProposalDroppedError('conf-change-pending', core.id, core.term);
  changeMembership(core.tracker.membership, change); // throws ConfChangeError if it cannot apply
  const data = encodeConfChange(change);
  // Leaving a joint configuration is never held back by the uncommitted-size limit.
  if (!leavesJoint(change) && !core.canAcceptUncommitted(data.byteLength)) {
    throw new ProposalDroppedError('uncommitted-limit', core.id, core.term);
  }
  const index = core.appendEntries([data], 'conf-change');
  core.pendingConfIndex = index;
  broadcastAppend(core);
  return { index, term: core.term };
}

/**
 * A committed change applied by the application: the node switches to the new configuration.
 * A leader that is no longer a voter steps down (thesis §4.2.2: it was leading a configuration
 * it is not part of); one that still leads commits what the new quorum allows and starts
 * replicating to newcomers.
 *
 * @throws {ConfChangeError} when the change cannot apply (nothing changes)
 */
export function applyConfChange(core: RaftCore, change: ConfChange): Membership {
  const next = changeMembership(core.tracker.membership, change);
  core.tracker.setMembership(next, core.log.lastIndex());
  if (core.role !== 'leader') return next;
  if (!core.promotable()) {
    core.becomeFollower(core.term, undefined);
    return next;
  }
  if (core.leadTransferee !== undefined && !core.tracker.voters.includes(core.leadTransferee)) {
    core.leadTransferee = undefined; // the transferee left
  }
  if (core.maybeCommit()) broadcastAppend(core);
  else for (const id of core.tracker.progress.keys()) if (id !== core.id) sendAppend(core, id, false);
  return next;
}

/**
 * A leader in a joint configuration marked `autoLeave` proposes leaving it once the change that
 * entered it is applied (etcd does it in the same place). Skipped while a transfer is under way;
 * the next applied entry tries again.
 */
export function maybeAutoLeave(core: RaftCore): void {
  const { autoLeave } = core.tracker.membership;
  if (core.role !== 'leader' || !autoLeave || core.log.applied < core.pendingConfIndex) return;
  if (core.leadTransferee !== undefined) return;
  proposeConfChange(core, { changes: [] });
}
