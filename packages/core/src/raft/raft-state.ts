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

/** The cluster's membership. Only voters for now; learners and joint configs come later. */
export interface ConfState {
  readonly voters: readonly NodeId[];
}

/** The hard state of a node that never ran: term 0, no vote, nothing committed. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: undefined, commit: 0 });

/** True when both hard states hold the same values. */
export function hardStateEquals(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
