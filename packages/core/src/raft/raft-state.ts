import type { NodeId } from './entry.js';

/** A node's role. `'pre-candidate'` runs the pre-vote round (Raft thesis §9.6) before a real election. */
export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/**
 * The state Raft needs on stable storage before it answers anyone (Raft Figure 2, "Persistent
 * state on all servers"), plus the commit index so a restart does not re-apply from scratch.
 */
export interface HardState {
  /** The latest term this node has seen; never decreases. */
  readonly term: number;
  /** The candidate this node voted for in `term`, or `undefined`. At most one per term. */
  readonly vote: NodeId | undefined;
  /** The highest index known committed; never decreases. Safe to lose (it is relearned). */
  readonly commit: number;
}

/** Volatile state worth telling the caller about when it changes (not persisted). */
export interface SoftState {
  /** The leader this node follows (itself when leading), or `undefined` when unknown. */
  readonly leaderId: NodeId | undefined;
  readonly role: RaftRole;
}

/**
 * The cluster's membership (etcd-io/raft's `ConfState`). Outside a joint configuration only
 * `voters` and `learners` are set. In a joint configuration (Raft thesis §4.3) decisions need a
 * majority of `voters` **and** of `votersOutgoing`; `learnersNext` are outgoing voters that become
 * learners when the joint configuration is left, and `autoLeave` says the leader leaves it by
 * itself. Learners receive the log but never vote or count toward a quorum. A node is in at most
 * one of `voters`/`votersOutgoing` and `learners`. Fields other than `voters` default to empty /
 * `false`.
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly learners?: readonly NodeId[];
  readonly votersOutgoing?: readonly NodeId[];
  readonly learnersNext?: readonly NodeId[];
  readonly autoLeave?: boolean;
}

/** The hard state of a node that never ran: term 0, no vote, nothing committed. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: undefined, commit: 0 });

/** True when both hard states hold the same values. */
export function hardStateEquals(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
