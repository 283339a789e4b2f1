import type { NodeId } from './entry.js';
import type { RaftCore } from './raft-core.js';
import { sendAppend } from './leader-replication.js';

/**
 * Leadership transfer (thesis §3.10), on the leader: stop taking proposals, bring `to`'s log up
 * to date, then tell it to campaign at once. As in etcd: ignored for a node it does not track
 * or a learner; a transfer to the same node already under way is left running, one to another
 * node replaces it, and one to itself cancels it. It is abandoned after an election timeout.
 */
export function transferLeadership(core: RaftCore, to: NodeId): void {
  const progress = core.tracker.progress.get(to);
  if (progress === undefined || !core.tracker.voters.includes(to)) return;
  if (core.leadTransferee === to) return;
  core.leadTransferee = undefined;
  if (to === core.id) return;
  core.leadTransferee = to;
  core.electionElapsed = 0; // the transfer has one election timeout to finish
  if (progress.match === core.log.lastIndex()) sendTimeoutNow(core, to);
  else sendAppend(core, to);
}

export function sendTimeoutNow(core: RaftCore, to: NodeId): void {
  core.transferCampaignSent = true;
  core.send({ type: 'timeout-now', to, term: core.term });
}
