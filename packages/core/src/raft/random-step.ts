import { isProposalDroppedError } from '../errors/proposal-dropped-error.js';
import type { NodeId } from './entry.js';
import type { TestNetwork } from './test-network.js';

/**
 * One random input to a {@link TestNetwork} (test-only): deliver a random in-flight message (so
 * messages reorder), tick a random node (so clocks drift apart; every node with
 * `lockstepTicks`), propose at a random node, restart a node, or change the partition — and,
 * each with its own rate, compact a node's log, read, or transfer leadership. An option whose rate is 0 draws nothing
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

/** Runs `action`, ignoring a dropped proposal or read (no leader known, or refused). */
function dropped(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!isProposalDroppedError(error)) throw error;
  }
}
