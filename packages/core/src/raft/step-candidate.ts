import { handleAppend, handleHeartbeat, handleSnapshot } from './follower-handlers.js';
import type { Message } from './messages.js';
import type { RaftCore } from './raft-core.js';

/**
 * A candidate's or pre-candidate's reactions (Raft §5.2, thesis §9.6). A leader of the same term
 * turns it back into a follower; votes of its own kind are tallied.
 */
export function stepCandidate(core: RaftCore, m: Message): void {
  switch (m.type) {
    case 'append':
      core.leaderContactElapsed = 0;
      // Raft §5.2: "If AppendEntries RPC received from new leader: convert to follower."
      core.becomeFollower(m.term, m.from);
      handleAppend(core, m);
      break;
    case 'heartbeat':
      core.leaderContactElapsed = 0;
      core.becomeFollower(m.term, m.from);
      handleHeartbeat(core, m);
      break;
    case 'snapshot':
      core.leaderContactElapsed = 0;
      core.becomeFollower(m.term, m.from);
      handleSnapshot(core, m);
      break;
    case 'vote-response':
      if (core.role === 'candidate') core.poll(m.from, m.granted);
      break;
    case 'pre-vote-response':
      if (core.role === 'pre-candidate') core.poll(m.from, m.granted);
      break;
    default:
      break;
  }
}
