import { handleAppend, handleHeartbeat, handleSnapshot } from './follower-handlers.js';
import type { Message } from './messages.js';
import type { RaftCore } from './raft-core.js';

/**
 * A follower's reactions (Raft §5.2, §5.3), after `RaftCore.step` has settled terms and votes.
 * A message from the leader of this term resets the election timeout.
 */
export function stepFollower(core: RaftCore, m: Message): void {
  if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') core.leaderContactElapsed = 0;
  switch (m.type) {
    case 'append':
      core.electionElapsed = 0;
      core.leaderId = m.from;
      handleAppend(core, m);
      break;
    case 'heartbeat':
      core.electionElapsed = 0;
      core.leaderId = m.from;
      handleHeartbeat(core, m);
      break;
    case 'snapshot':
      core.electionElapsed = 0;
      core.leaderId = m.from;
      handleSnapshot(core, m);
      break;
    case 'read-index-response':
      core.readStates.push({ index: m.index, context: m.context });
      break;
    case 'timeout-now':
      // The leader hands over: campaign now, no pre-vote (a learner or non-member cannot).
      core.hup(true);
      break;
    default:
      // A read forwarded here by a node that thought this one leads is dropped (its client retries).
      // Responses meant for a leader or candidate this node no longer is: late, ignored.
      break;
  }
}
