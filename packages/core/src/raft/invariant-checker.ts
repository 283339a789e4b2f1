import type { Entry, NodeId } from './entry.js';
import { majority } from './quorum.js';
import type { RaftStatus } from './raft.js';

/** What the checker sees of one node after a step: its state, durable log and what it applied. */
export interface NodeView {
  readonly status: RaftStatus;
  /** The node's durable log, entries 1..n (index i at position i - 1). */
  readonly log: readonly Entry[];
  /** Every entry the node applied so far, in order. */
  readonly applied: readonly Entry[];
}

/**
 * Checks Raft's safety properties (Raft Figure 3) over a cluster after every step and throws an
 * `Error` naming the first one broken. Test-only (not exported); the simulator will reuse it.
 *
 * - Election Safety: at most one leader per term, over the whole run.
 * - Log Matching: two logs with an entry of the same index and term agree up to there.
 * - Leader Completeness: a leader of a term after an entry's commit holds that entry.
 * - State Machine Safety: no two nodes apply different entries at one index; each node applies
 *   every index once, in order.
 * - Committed entries sit on a majority of durable logs; commit index and term never decrease.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** index → the entry applied there by anyone, and the lowest term at which it was seen committed. */
  private readonly committed = new Map<number, { entry: Entry; term: number }>();
  private readonly last = new Map<NodeId, { commit: number; term: number; applied: number }>();
  checks = 0;

  check(views: readonly NodeView[]): void {
    this.checks++;
    const voters = views.length;
    for (const { status, log, applied } of views) {
      const id = status.id;
      if (status.role === 'leader') {
        const known = this.leaderOfTerm.get(status.term);
        if (known !== undefined && known !== id) {
          fail(`Election Safety: ${known} and ${id} both led term ${status.term}`);
        }
        this.leaderOfTerm.set(status.term, id);
      }
      const before = this.last.get(id) ?? { commit: 0, term: 0, applied: 0 };
      if (status.commit < before.commit) fail(`${id}'s commit index went back from ${before.commit} to ${status.commit}`);
      if (status.term < before.term) fail(`${id}'s term went back from ${before.term} to ${status.term}`);
      for (let i = before.applied; i < applied.length; i++) {
        const entry = applied[i] as Entry;
        if (entry.index !== i + 1) fail(`${id} applied index ${entry.index} in position ${i + 1} (not once, in order)`);
        const known = this.committed.get(entry.index);
        if (known === undefined) this.committed.set(entry.index, { entry, term: status.term });
        else if (!sameEntry(known.entry, entry)) {
          fail(`State Machine Safety: ${id} applied ${show(entry)} where another node applied ${show(known.entry)}`);
        }
      }
      // A node's commit index names entries committed at a term ≤ its own term (terms only grow,
      // so the term when a node first commits an index is its lowest).
      for (let i = before.commit + 1; i <= status.commit; i++) {
        const known = this.committed.get(i);
        const entry = log[i - 1];
        if (entry === undefined) fail(`${id} commits ${status.commit} but holds only ${log.length} entries`);
        if (known === undefined) this.committed.set(i, { entry, term: status.term });
        else {
          if (!sameEntry(known.entry, entry)) fail(`${id} holds ${show(entry)} at committed index ${i}, not ${show(known.entry)}`);
          if (status.term < known.term) known.term = status.term;
        }
      }
      this.last.set(id, { commit: status.commit, term: status.term, applied: applied.length });
    }
    this.checkLogMatching(views);
    for (const [index, { entry, term }] of this.committed) {
      let holders = 0;
      for (const { status, log } of views) {
        const held = log[index - 1];
        if (held !== undefined && sameEntry(held, entry)) holders++;
        else if (status.role === 'leader' && status.term > term) {
          fail(`Leader Completeness: ${status.id}, leader of term ${status.term}, lacks ${show(entry)} committed by term ${term}`);
        }
      }
      if (holders < majority(voters)) fail(`committed ${show(entry)} is durable on ${holders} of ${voters} nodes only`);
    }
  }

  private checkLogMatching(views: readonly NodeView[]): void {
    for (let a = 0; a < views.length; a++) {
      for (let b = a + 1; b < views.length; b++) {
        const left = (views[a] as NodeView).log;
        const right = (views[b] as NodeView).log;
        // The highest index where both hold the same term must head a shared prefix.
        let top = Math.min(left.length, right.length);
        while (top > 0 && (left[top - 1] as Entry).term !== (right[top - 1] as Entry).term) top--;
        for (let i = 0; i < top; i++) {
          if (!sameEntry(left[i] as Entry, right[i] as Entry)) {
            const ids = `${(views[a] as NodeView).status.id} and ${(views[b] as NodeView).status.id}`;
            fail(`Log Matching: ${ids} agree at index ${top} (term ${(left[top - 1] as Entry).term}) but differ at ${i + 1}`);
          }
        }
      }
    }
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a.index !== b.index || a.term !== b.term || a.data.byteLength !== b.data.byteLength) return false;
  for (let i = 0; i < a.data.byteLength; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

function show(entry: Entry): string {
  return `${entry.index}/${entry.term} ${JSON.stringify(new TextDecoder().decode(entry.data))}`;
}

function fail(message: string): never {
  throw new Error(`Raft invariant broken: ${message}`);
}
