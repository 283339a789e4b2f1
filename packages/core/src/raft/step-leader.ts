import { sendTimeoutNow, transferLeadership } from './leadership-transfer.js';
import type { AppendResponseMessage, Message } from './messages.js';
import type { RaftCore } from './raft-core.js';
import { onHeartbeatAck, releasePendingReads, requestRead } from './read-index.js';
import { broadcastAppend, sendAppend } from './leader-replication.js';

/** A leader's reactions: acknowledgements move progress and the commit index (Raft §5.3, §5.4). */
export function stepLeader(core: RaftCore, m: Message): void {
  const progress = core.tracker.progress.get(m.from);
  if (progress === undefined) return; // not a member
  switch (m.type) {
    case 'append-response':
      progress.recentActive = true;
      onAppendResponse(core, m);
      break;
    case 'heartbeat-response':
      progress.recentActive = true;
      progress.probeSent = false;
      // A full window while the follower answers heartbeats: appends may have been lost. Free one
      // place, so the next append goes out — and is refused if there is a gap (then: probe).
      if (progress.state === 'replicate' && progress.inflights.full()) progress.inflights.freeFirst();
      if (progress.match < core.log.lastIndex()) sendAppend(core, m.from);
      onHeartbeatAck(core, m);
      break;
    case 'read-index':
      requestRead(core, m.from, m.context, m.safe === true);
      break;
    case 'transfer-leader':
      transferLeadership(core, m.transferee);
      break;
    default:
      // Vote responses after winning, or (impossible by Election Safety) another leader's appends.
      break;
  }
}

function onAppendResponse(core: RaftCore, m: AppendResponseMessage): void {
  const progress = core.tracker.progress.get(m.from);
  if (progress === undefined) return;
  if (m.reject) {
    // Fast backtracking (Raft §5.3): the follower's hint names the last index that can match
    // by its log; skip further back over this log's entries of terms above the hinted term.
    const matchHint = m.hintTerm > 0 ? core.log.findConflictByTerm(m.hintIndex, m.hintTerm).index : m.hintIndex;
    if (progress.maybeDecrTo(m.index, matchHint)) {
      if (progress.state === 'replicate') progress.becomeProbe();
      sendAppend(core, m.from);
    }
    return;
  }
  const wasPaused = progress.isPaused();
  if (!progress.maybeUpdate(m.index) && !(progress.match === m.index && progress.state === 'probe')) return;
  if (progress.state === 'snapshot') {
    // The follower restored the snapshot (or caught up otherwise): once the log holds what it
    // needs next, replicate from there (etcd: "snapshot succeeded via append response").
    if (progress.match + 1 < core.log.firstIndex()) return;
    progress.becomeProbe();
  }
  if (progress.state === 'probe') progress.becomeReplicate();
  if (core.maybeCommit()) {
    broadcastAppend(core);
    releasePendingReads(core);
  } else if (m.from !== core.id && (wasPaused || progress.canBumpCommit(core.log.committed))) {
    sendAppend(core, m.from);
  }
  if (m.from === core.id) return;
  // Thesis §3.10: once the transferee holds the whole log, it can win an election at once.
  if (m.from === core.leadTransferee && progress.match === core.log.lastIndex()) sendTimeoutNow(core, m.from);
  // Stream whatever is left, one size-limited batch per message.
  while (sendAppend(core, m.from, false)) {
    // each call sends one batch
  }
}
