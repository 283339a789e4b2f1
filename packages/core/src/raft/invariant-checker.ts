import type { Entry, NodeId } from './entry.js';
import { majority } from './quorum.js';
import type { RaftStatus } from './raft.js';

/** What the checker sees of one node after a step: its state, durable log and what it applied. */
export interface NodeView {
  readonly status: RaftStatus;
  /** The node's durable log from `firstIndex` on (index `firstIndex + k` at position `k`). */
  readonly log: readonly Entry[];
  /** The first index of `log`; entries before it were compacted into a snapshot. Default 1. */
  readonly firstIndex?: number;
  /** Every entry the node applied so far, in order (restored wholesale from a snapshot). */
  readonly applied: readonly Entry[];
}

/**
 * Checks Raft's safety properties (Raft Figure 3) over a cluster after every step and throws an
 * `Error` naming the first one broken. Test-only (not exported); the simulator will reuse it.
 *
 * - Election Safety: at most one leader per term, over the whole run.
 * - Log Matching: two logs with an entry of the same index and term agree up to there (over
 *   the indexes both still hold).
 * - Leader Completeness: a leader of a term after an entry's commit holds that entry (or has
 *   compacted it into a snapshot).
 * - State Machine Safety: no two nodes apply different entries at one index; each node applies
 *   every index once, in order (a snapshot restores the same prefix others applied).
 * - When a leader's commit index moves, the entries newly committed sit on durable logs of a
 *   majority of its voters — of both halves of a joint configuration, under its membership
 *   before or after that step (a step may apply a change); compacted counts, as only committed
 *   entries are compacted. Commit index and term never decrease.
 */
export class InvariantChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** index → the entry applied there by anyone, and the lowest term at which it was seen committed. */
  private readonly committed = new Map<number, { entry: Entry; term: number }>();
  private readonly last = new Map<NodeId, { commit: number; term: number; applied: number; conf?: RaftStatus['confState'] }>();
  /** Each log's shape at the last check: logs change only at their ends, so an unchanged shape is an unchanged log. */
  private readonly shapes = new Map<NodeId, { first: number; length: number; tail: Entry | undefined }>();
  checks = 0;

  check(views: readonly NodeView[]): void {
    this.checks++;
    for (const view of views) {
      const { status, applied } = view;
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
      if (applied.length < before.applied) fail(`${id}'s state machine went back from ${before.applied} to ${applied.length} entries`);
      for (let i = before.applied; i < applied.length; i++) {
        const entry = applied[i] as Entry;
        if (entry.index !== i + 1) fail(`${id} applied index ${entry.index} in position ${i + 1} (not once, in order)`);
        const known = this.committed.get(entry.index);
        if (known === undefined) this.committed.set(entry.index, { entry, term: status.term });
        else if (!sameEntry(known.entry, entry)) {
          fail(`State Machine Safety: ${id} applied ${show(entry)} where another node applied ${show(known.entry)}`);
        }
      }
      if (status.role === 'leader' && status.commit > before.commit) {
        this.checkQuorumHolds(views, status, before.conf, before.commit + 1);
      }
      // A node's commit index names entries committed at a term ≤ its own term (terms only grow,
      // so the term when a node first commits an index is its lowest).
      for (let i = before.commit + 1; i <= status.commit; i++) {
        if (i < first(view)) continue; // restored from a snapshot: checked through `applied`
        const known = this.committed.get(i);
        const entry = entryAt(view, i);
        if (entry === undefined) fail(`${id} commits ${status.commit} but holds entries up to ${first(view) + view.log.length - 1} only`);
        if (known === undefined) this.committed.set(i, { entry, term: status.term });
        else {
          if (!sameEntry(known.entry, entry)) fail(`${id} holds ${show(entry)} at committed index ${i}, not ${show(known.entry)}`);
          if (status.term < known.term) known.term = status.term;
        }
      }
      this.last.set(id, { commit: status.commit, term: status.term, applied: applied.length, conf: status.confState });
    }
    this.checkLogMatching(views);
    for (const view of views) {
      if (view.status.role !== 'leader') continue;
      for (const [index, { entry, term }] of this.committed) {
        if (view.status.term <= term || index < first(view)) continue;
        const held = entryAt(view, index);
        if (held === undefined || !sameEntry(held, entry)) {
          fail(`Leader Completeness: ${view.status.id}, leader of term ${view.status.term}, lacks ${show(entry)} committed by term ${term}`);
        }
      }
    }
  }

  /** The leader `status` just committed from `from`: is every such entry durable on a quorum? */
  private checkQuorumHolds(
    views: readonly NodeView[],
    status: RaftStatus,
    before: RaftStatus['confState'] | undefined,
    from: number,
  ): void {
    const byId = new Map(views.map((view) => [view.status.id, view]));
    const confs = [before, status.confState].filter((conf) => conf !== undefined);
    for (let index = from; index <= status.commit; index++) {
      const entry = entryAt(byId.get(status.id) as NodeView, index);
      if (entry === undefined) continue; // compacted by the leader: committed long ago
      const holds = (id: NodeId) => {
        const view = byId.get(id);
        if (view === undefined) return false;
        const held = entryAt(view, index);
        return index < first(view) || (held !== undefined && sameEntry(held, entry));
      };
      const majorityOf = (voters: readonly NodeId[]) =>
        voters.length === 0 || voters.filter(holds).length >= majority(voters.length);
      const ok = confs.some((conf) => majorityOf(conf.voters) && majorityOf(conf.votersOutgoing ?? []));
      if (!ok) fail(`${status.id} committed ${show(entry)}, which is not durable on a quorum of its voters`);
    }
  }

  private checkLogMatching(views: readonly NodeView[]): void {
    const changed = views.map((view) => {
      const shape = { first: first(view), length: view.log.length, tail: view.log[view.log.length - 1] };
      const before = this.shapes.get(view.status.id);
      this.shapes.set(view.status.id, shape);
      return before === undefined || before.first !== shape.first || before.length !== shape.length || before.tail !== shape.tail;
    });
    for (let a = 0; a < views.length; a++) {
      for (let b = a + 1; b < views.length; b++) {
        if (!changed[a] && !changed[b]) continue; // both unchanged since they were checked
        const left = views[a] as NodeView;
        const right = views[b] as NodeView;
        const low = Math.max(first(left), first(right));
        // The highest index where both hold the same term must head a shared prefix.
        let top = Math.min(first(left) + left.log.length, first(right) + right.log.length) - 1;
        while (top >= low && (entryAt(left, top) as Entry).term !== (entryAt(right, top) as Entry).term) top--;
        for (let i = low; i <= top; i++) {
          if (!sameEntry(entryAt(left, i) as Entry, entryAt(right, i) as Entry)) {
            const ids = `${left.status.id} and ${right.status.id}`;
            fail(`Log Matching: ${ids} agree at index ${top} (term ${(entryAt(left, top) as Entry).term}) but differ at ${i}`);
          }
        }
      }
    }
  }
}

function first(view: NodeView): number {
  return view.firstIndex ?? 1;
}

function entryAt(view: NodeView, index: number): Entry | undefined {
  return index < first(view) ? undefined : view.log[index - first(view)];
}

function sameEntry(a: Entry, b: Entry): boolean {
  if (a === b) return true;
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
