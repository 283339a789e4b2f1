import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { ConfChange } from './conf-change.js';
import type { NodeId } from './entry.js';
import { isConfChangeError } from './errors/conf-change-error.js';
import type { TestNetwork } from './test-network.js';

/**
 * One random input to a {@link TestNetwork} (test-only): deliver a random in-flight message (so
 * messages reorder), tick a random node (so clocks drift apart; every node with
 * `lockstepTicks`), propose at a random node, restart a node, or change the partition — and,
 * each with its own rate, compact a node's log, read, transfer leadership, or change the
 * membership. An option whose rate is 0 draws nothing
 * from the random source, so older scenarios replay unchanged.
 */
export function randomStep(net: TestNetwork): void {
  const ids = [...net.nodes.keys()];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(net.random() * items.length)] as T;
  if (net.compactRate > 0 && net.random() < net.compactRate) {
    net.compact(pick(ids));
    return;
  }
  if (net.readRate > 0 && net.random() < net.readRate) {
    const id = pick(ids);
    // Only where a leader is known: elsewhere readIndex throws (tested on its own; stacks are costly).
    if (net.node(id).raft.status().leaderId !== undefined) net.readIndex(id, `${id}:read-${net.readsAsked}`);
    return;
  }
  if (net.transferRate > 0 && net.random() < net.transferRate) {
    const [id, to] = [pick(ids), pick(ids)];
    if (net.node(id).raft.status().leaderId !== undefined) net.transferLeadership(id, to);
    return;
  }
  if (net.confChangeRate > 0 && net.random() < net.confChangeRate) {
    const id = pick(ids);
    if (net.node(id).raft.status().role === 'leader') randomConfChange(net, id);
    return;
  }
  const roll = net.random();
  if (roll < 0.5 && net.inFlight.length > 0) {
    net.deliver(Math.floor(net.random() * net.inFlight.length));
  } else if (roll < 0.85) {
    if (net.lockstepTicks) net.tickAll();
    else net.tick(pick(ids));
  } else if (roll < 0.96) {
    const id = pick(ids);
    // Only at leaders: elsewhere propose throws ProposalDroppedError (tested on its own).
    if (net.node(id).raft.status().role === 'leader') dropped(() => net.propose(id, `${id}:${net.proposals}`));
  } else if (roll < 0.97) {
    net.restart(pick(ids));
  } else {
    net.heal();
    net.check();
    const r = net.random();
    if (r < 0.35) net.isolate(pick(ids));
    else if (r < 0.7) {
      const shuffled = [...ids];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(net.random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as NodeId, shuffled[i] as NodeId];
      }
      const cutAt = 1 + Math.floor(net.random() * (ids.length - 1));
      net.partition(shuffled.slice(0, cutAt), shuffled.slice(cutAt));
    }
  }
}

/** Most nodes a network grows to with membership changes. */
const MAX_NODES = 7;

/**
 * A random membership change at the leader `id` (thesis chapter 4): add a new node as a learner,
 * promote a learner, remove a voter or a learner, replace a voter through a joint configuration
 * left automatically, or enter one explicitly (and later leave it). Refusals are expected.
 */
function randomConfChange(net: TestNetwork, id: NodeId): void {
  const conf = net.node(id).raft.status().confState;
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(net.random() * items.length)];
  const fresh = (): NodeId | undefined => {
    if (net.nodes.size >= MAX_NODES) return undefined;
    const newcomer = `n${net.nodes.size}`;
    net.addNode(newcomer);
    return newcomer;
  };
  let change: ConfChange | undefined;
  if (conf.votersOutgoing.length > 0 && !conf.autoLeave) {
    change = { changes: [] }; // leave an explicit joint configuration
  } else {
    const r = net.random();
    const learner = pick(conf.learners);
    const voter = pick(conf.voters);
    if (r < 0.3) {
      const node = fresh();
      if (node !== undefined) change = { changes: [{ type: 'add-learner', node }] };
    } else if (r < 0.5) {
      if (learner !== undefined) change = { changes: [{ type: 'promote', node: learner }] };
    } else if (r < 0.6) {
      if (voter !== undefined && conf.voters.length > 2) change = { changes: [{ type: 'remove', node: voter }] };
    } else if (r < 0.7) {
      if (learner !== undefined) change = { changes: [{ type: 'remove', node: learner }] };
    } else if (r < 0.9) {
      // Replace a voter with a learner (or a newcomer), both at once: a joint configuration.
      const node = learner ?? fresh();
      if (node !== undefined && voter !== undefined) {
        change = { changes: [{ type: 'add-voter', node }, { type: 'remove', node: voter }] };
      }
    } else if (learner !== undefined) {
      change = { changes: [{ type: 'add-voter', node: learner }], transition: 'joint-explicit' };
    }
  }
  if (change === undefined) return;
  try {
    net.proposeConfChange(id, change);
  } catch (error) {
    if (!isProposalDroppedError(error) && !isConfChangeError(error)) throw error;
  }
}

/** Runs `action`, ignoring a dropped proposal or read (no leader known, or refused). */
function dropped(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!isProposalDroppedError(error)) throw error;
  }
}
