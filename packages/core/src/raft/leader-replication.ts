import { type Entry, type NodeId, payloadSize } from './entry.js';
import { isLogCompactedError } from './errors/log-compacted-error.js';
import { isSnapshotTemporarilyUnavailableError } from './errors/snapshot-temporarily-unavailable-error.js';
import type { Progress } from './progress.js';
import type { RaftCore } from './raft-core.js';

// What a leader sends its followers (Raft §5.3, §7): appends batched and pipelined under flow
// control, snapshots when the entries are compacted, heartbeats; and the caller's report on a
// snapshot it sent.

/**
 * Sends `to` the entries after its `next` (batched by the message limits), or an empty probe
 * when `sendIfEmpty`, or the snapshot when those entries are compacted. Returns whether a
 * message went out.
 */
export function sendAppend(core: RaftCore, to: NodeId, sendIfEmpty = true): boolean {
  const progress = core.tracker.progress.get(to);
  if (progress === undefined || progress.isPaused()) return false;
  const prevLogIndex = progress.next - 1;
  const prevLogTerm = core.log.term(prevLogIndex);
  const { maxBytesPerMessage, maxEntriesPerMessage } = core.config;
  let entries: Entry[];
  try {
    if (prevLogTerm === undefined) return sendSnapshot(core, to, progress);
    entries = core.log.entriesFrom(progress.next, maxBytesPerMessage, maxEntriesPerMessage);
  } catch (error) {
    if (isLogCompactedError(error)) return sendSnapshot(core, to, progress);
    throw error;
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  const commit = core.log.committed;
  core.send({ type: 'append', to, term: core.term, prevLogIndex, prevLogTerm, entries, commit });
  progress.sentEntries(prevLogIndex + entries.length, payloadSize(entries), entries.length);
  progress.sentCommitIndex(commit);
  return true;
}

/**
 * InstallSnapshot (Raft §7): the follower needs entries this log compacted, so it gets the
 * storage's snapshot, whole. Not sent to a follower not heard from lately (it may be down; the
 * snapshot is costly), nor while the storage has none ready; both are retried later.
 */
function sendSnapshot(core: RaftCore, to: NodeId, progress: Progress): boolean {
  if (!progress.recentActive) return false;
  const storage = core.config.storage;
  if (storage.snapshot === undefined) {
    throw new Error(`Raft: ${to} needs entries before ${core.log.firstIndex()}, but the storage has no snapshot()`);
  }
  let snapshot;
  try {
    snapshot = storage.snapshot();
  } catch (error) {
    if (isSnapshotTemporarilyUnavailableError(error)) return false;
    throw error;
  }
  if (snapshot.metadata.index < core.log.firstIndex() - 1) {
    throw new Error(
      `Raft: the storage's snapshot (at ${snapshot.metadata.index}) is older than its compacted index ${core.log.firstIndex() - 1}`,
    );
  }
  core.send({ type: 'snapshot', to, term: core.term, snapshot });
  progress.becomeSnapshot(snapshot.metadata.index);
  return true;
}

/** Appends to every member, learners included. */
export function broadcastAppend(core: RaftCore): void {
  for (const id of core.tracker.progress.keys()) if (id !== core.id) sendAppend(core, id);
}

/**
 * Heartbeats to every follower. They carry `context` (or the newest read waiting, so a lost
 * round is retried) for ReadIndex, and the send tick with lease reads on.
 */
export function broadcastHeartbeat(core: RaftCore, context = core.readOnly.lastPendingContext()): void {
  const sentAt = core.config.readOnly === 'leaseBased' ? core.leaderTicks : undefined;
  for (const [id, progress] of core.tracker.progress) {
    if (id === core.id) continue;
    // A follower must not learn a commit index past what it is known to hold.
    const commit = Math.min(progress.match, core.log.committed);
    core.send({
      type: 'heartbeat',
      to: id,
      term: core.term,
      commit,
      ...(context === undefined ? {} : { context }),
      ...(sentAt === undefined ? {} : { sentAt }),
    });
    progress.sentCommitIndex(commit);
  }
}

/**
 * The caller's report on a snapshot it sent to `to`: either way, probe again. After a failure
 * the next attempt waits for a heartbeat response; after success, for the follower's answer.
 */
export function reportSnapshot(core: RaftCore, to: NodeId, status: 'finish' | 'failure'): void {
  const progress = core.tracker.progress.get(to);
  if (core.role !== 'leader' || progress === undefined || progress.state !== 'snapshot') return;
  if (status === 'failure') progress.pendingSnapshot = 0;
  progress.becomeProbe();
  progress.probeSent = true;
}
