import { type ConfChange, entersJoint, leavesJoint } from './conf-change.js';
import type { NodeId } from './entry.js';
import { ConfChangeError } from './errors/conf-change-error.js';
import type { ConfState } from './raft-state.js';

/** A {@link ConfState} with every field present. */
export type Membership = Required<ConfState>;

/** Fills in a {@link ConfState}'s optional fields (empty lists, `autoLeave` false). */
export function toMembership(confState: ConfState): Membership {
  return {
    voters: [...confState.voters],
    learners: [...(confState.learners ?? [])],
    votersOutgoing: [...(confState.votersOutgoing ?? [])],
    learnersNext: [...(confState.learnersNext ?? [])],
    autoLeave: confState.autoLeave ?? false,
  };
}

/** Whether `membership` is a joint configuration (it has outgoing voters). */
export function isJoint(membership: Membership): boolean {
  return membership.votersOutgoing.length > 0;
}

/** Every voter of either half, incoming first, each once. */
export function allVoters(membership: Membership): NodeId[] {
  return [...new Set([...membership.voters, ...membership.votersOutgoing])];
}

/** Every node the configuration knows: voters of either half and learners (current or next). */
export function allMembers(membership: Membership): NodeId[] {
  return [...new Set([...allVoters(membership), ...membership.learners, ...membership.learnersNext])];
}

/**
 * The configuration after `change` (etcd-io/raft `confchange.Changer`), or a
 * {@link ConfChangeError} when it cannot apply. Three kinds (Raft thesis §4.1, §4.3):
 * - no steps: leave the joint configuration — the outgoing half is dropped and `learnersNext`
 *   become learners;
 * - a joint change: the current voters become the outgoing half, the steps apply to the
 *   incoming one;
 * - a simple change (one step, `transition: 'auto'`): applied directly, moving at most one voter.
 */
export function changeMembership(current: Membership, change: ConfChange): Membership {
  if (leavesJoint(change)) {
    if (!isJoint(current)) fail('there is no joint configuration to leave');
    const next: Membership = {
      voters: [...current.voters],
      learners: [...new Set([...current.learners, ...current.learnersNext])],
      votersOutgoing: [],
      learnersNext: [],
      autoLeave: false,
    };
    return checked(next);
  }
  const { joint, autoLeave } = entersJoint(change);
  if (isJoint(current)) fail('the configuration is joint; leave it (a change with no steps) before another change');
  if (joint) {
    const next = applySteps({ ...current, votersOutgoing: [...current.voters], autoLeave }, change);
    return checked(next);
  }
  const next = applySteps(current, change);
  const moved = symmetricDifference(current.voters, next.voters);
  // One step moves at most one voter; kept as etcd keeps it, in case steps ever batch.
  if (moved > 1) fail('a simple change may add or remove one voter only; use a joint change');
  return checked(next);
}

function applySteps(start: Membership, change: ConfChange): Membership {
  let voters = [...start.voters];
  let learners = [...start.learners];
  let learnersNext = [...start.learnersNext];
  const outgoing = start.votersOutgoing;
  const without = (list: NodeId[], id: NodeId) => list.filter((x) => x !== id);
  for (const { type, node } of change.changes) {
    if (type === 'promote' && !learners.includes(node)) fail(`promote: ${JSON.stringify(node)} is not a learner`);
    switch (type) {
      case 'promote':
      case 'add-voter':
        learners = without(learners, node);
        learnersNext = without(learnersNext, node);
        if (!voters.includes(node)) voters.push(node);
        break;
      case 'add-learner':
        voters = without(voters, node);
        // A voter of the outgoing half stays one until the joint configuration is left.
        if (outgoing.includes(node)) {
          if (!learnersNext.includes(node)) learnersNext.push(node);
        } else if (!learners.includes(node)) {
          learners.push(node);
        }
        break;
      case 'remove':
        if (!voters.includes(node) && !learners.includes(node) && !learnersNext.includes(node) && !outgoing.includes(node)) {
          fail(`remove: ${JSON.stringify(node)} is not a member`);
        }
        voters = without(voters, node);
        learners = without(learners, node);
        learnersNext = without(learnersNext, node);
        break;
    }
  }
  return { voters, learners, votersOutgoing: [...outgoing], learnersNext, autoLeave: start.autoLeave };
}

/** Checks the configuration invariants (etcd's `checkInvariants`) and returns it. */
function checked(next: Membership): Membership {
  if (next.voters.length === 0) fail('it would leave no voter');
  const voters = new Set(allVoters(next));
  for (const id of next.learners) if (voters.has(id)) fail(`${JSON.stringify(id)} would be a voter and a learner`);
  for (const id of next.learnersNext) {
    if (!next.votersOutgoing.includes(id) || next.voters.includes(id)) {
      fail(`${JSON.stringify(id)} cannot become a learner when leaving the joint configuration`);
    }
  }
  return next;
}

function symmetricDifference(a: readonly NodeId[], b: readonly NodeId[]): number {
  return a.filter((id) => !b.includes(id)).length + b.filter((id) => !a.includes(id)).length;
}

function fail(reason: string): never {
  throw new ConfChangeError(reason);
}
