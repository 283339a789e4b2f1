import type { AppendMessage, HeartbeatMessage, SnapshotMessage } from './messages.js';
import { toMembership } from './membership.js';
import type { RaftCore } from './raft-core.js';

// A follower's (or learner's) answers to its leader: AppendEntries, InstallSnapshot and
// heartbeats, once `RaftCore.step` has settled terms and roles.

/** A follower's side of AppendEntries (Raft §5.3). */
export function handleAppend(core: RaftCore, m: AppendMessage): void {
  const reply = { type: 'append-response', to: m.from, term: core.term } as const;
  if (m.prevLogIndex < core.log.committed) {
    // Everything up to `committed` matches the leader's log already (Leader Completeness).
    core.send({ ...reply, reject: false, index: core.log.committed });
    return;
  }
  const lastNew = core.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    core.send({ ...reply, reject: false, index: lastNew });
    return;
  }
  // Fast backtracking: point the leader at the last index that can match, skipping every entry
  // of a term greater than prevLogTerm (they cannot match there).
  const hint = core.log.findConflictByTerm(Math.min(m.prevLogIndex, core.log.lastIndex()), m.prevLogTerm);
  core.send({ ...reply, reject: true, index: m.prevLogIndex, hintIndex: hint.index, hintTerm: hint.term });
}

/**
 * InstallSnapshot, receiver side (Raft §7): a snapshot newer than the commit index replaces the
 * log (unless the log already holds its last entry: then only the commit moves), and its
 * membership replaces this node's. The answer tells the leader where this log now ends.
 *
 * Unlike etcd, a snapshot whose membership does not include this node is restored too: a node
 * added after the snapshot was taken learns of its own addition from the entries that follow,
 * as it would replaying the log from its bootstrap membership (etcd's server sidesteps this by
 * building a fresh snapshot for each send). A removed node is never sent one: the leader no
 * longer tracks it, and any older snapshot is behind its commit index.
 */
export function handleSnapshot(core: RaftCore, m: SnapshotMessage): void {
  const { index, term, confState } = m.snapshot.metadata;
  const reply = { type: 'append-response', to: m.from, term: core.term, reject: false } as const;
  if (index <= core.log.committed) {
    // Stale: everything up to the commit index matches the leader's log already.
    core.send({ ...reply, index: core.log.committed });
    return;
  }
  if (core.log.matchTerm(index, term)) {
    // Raft §7 receiver step 6: the log holds the snapshot's last entry; keep what follows.
    core.log.commitTo(index);
    core.send({ ...reply, index: core.log.committed });
    return;
  }
  core.log.restore(m.snapshot);
  core.tracker.setMembership(toMembership(confState), core.log.lastIndex());
  core.send({ ...reply, index: core.log.lastIndex() });
}

export function handleHeartbeat(core: RaftCore, m: HeartbeatMessage): void {
  core.log.commitTo(Math.min(m.commit, core.log.lastIndex()));
  core.send({
    type: 'heartbeat-response',
    to: m.from,
    term: core.term,
    ...(m.context === undefined ? {} : { context: m.context }),
    ...(m.sentAt === undefined ? {} : { sentAt: m.sentAt }),
  });
}
