import type { NodeId } from './entry.js';
import type { HeartbeatResponseMessage } from './messages.js';
import type { RaftCore } from './raft-core.js';
import { broadcastHeartbeat } from './leader-replication.js';

// The leader's side of ReadIndex (thesis §6.4), on the core's state: a read is answered with
// the commit index once the leader knows it still leads — by a heartbeat round acknowledged by
// a quorum (`'safe'`), or by a lease (`'leaseBased'`, §6.4.1).

/**
 * A read asked of the leader, by itself (`from` is its id) or forwarded by a follower. Until the
 * leader has committed an entry of its term, its commit index may be behind the last leader's
 * (§6.4 step 1), so the request waits for that.
 */
export function requestRead(core: RaftCore, from: NodeId, context: Uint8Array, safe = false): void {
  if (core.log.term(core.log.committed) !== core.term) {
    core.pendingReads.push({ from, context, safe });
    return;
  }
  const index = core.log.committed;
  // `safe`: this request asked for a heartbeat round even though leases are on.
  if (core.config.readOnly === 'leaseBased' && !safe && leaseHeld(core)) {
    answerRead(core, from, index, context);
    return;
  }
  core.readOnly.add({ from, index, context });
  const acks = core.readOnly.recvAck(core.id, context);
  if (acks !== undefined && core.tracker.hasQuorum(acks)) {
    for (const request of core.readOnly.advance(context)) answerRead(core, request.from, request.index, request.context);
    return;
  }
  broadcastHeartbeat(core, context);
}

/** Serves the reads that waited for the leader's first commit in its term. */
export function releasePendingReads(core: RaftCore): void {
  if (core.pendingReads.length === 0 || core.log.term(core.log.committed) !== core.term) return;
  const waiting = core.pendingReads;
  core.pendingReads = [];
  for (const { from, context, safe } of waiting) requestRead(core, from, context, safe);
}

/** A heartbeat answer: it may confirm reads (its context) and extend the lease (its `sentAt`). */
export function onHeartbeatAck(core: RaftCore, m: HeartbeatResponseMessage): void {
  const progress = core.tracker.progress.get(m.from);
  if (progress !== undefined && m.sentAt !== undefined) progress.leaseAck = Math.max(progress.leaseAck, m.sentAt);
  if (m.context === undefined || core.readOnly.size === 0) return;
  const acks = core.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || !core.tracker.hasQuorum(acks)) return;
  for (const request of core.readOnly.advance(m.context)) answerRead(core, request.from, request.index, request.context);
}

function answerRead(core: RaftCore, from: NodeId, index: number, context: Uint8Array): void {
  if (from === core.id) core.readStates.push({ index, context });
  else core.send({ type: 'read-index-response', to: from, term: core.term, index, context });
}

/**
 * Whether the leader holds a lease (thesis §6.4.1): a quorum acknowledged heartbeats it sent at
 * tick `start` or later, and fewer than the lease's ticks passed since. Each of those followers
 * refuses votes for an election timeout after receiving one, so no other leader can be elected
 * before then — as long as tick rates differ by at most `maxClockDrift`. The ticks are counted
 * conservatively: a follower may tick right after receiving, so it waits only `electionTick − 1`
 * full periods, and the leader's count may lag its own send by up to one period. Never after
 * this leader asked a follower to take over (it campaigns at once, ignoring leases).
 */
export function leaseHeld(core: RaftCore): boolean {
  if (core.transferCampaignSent) return false;
  const { electionTick, maxClockDrift } = core.config;
  const leaseTicks = Math.floor((electionTick - 1) * (1 - maxClockDrift)) - 1;
  // A quorum's oldest acknowledged send tick: the "commit index" of the send ticks, shifted by 1
  // so that 0 means "never acknowledged".
  const start = core.tracker.quorumIndex((id) => (id === core.id ? core.leaderTicks : core.tracker.progress.get(id)?.leaseAck ?? -1) + 1) - 1;
  return start >= 0 && core.leaderTicks - start < leaseTicks;
}
