import type { Entry, NodeId } from '../../raft/entry.js';
import type { RaftStatus } from '../../raft/raft.js';
import type { MemoryStorage } from '../../raft/memory-storage.js';
import type { ConfState } from '../../raft/raft-state.js';
import type { SnapshotMetadata } from '../../raft/snapshot.js';
import type { SimStorage } from './sim-storage.js';

/** A safety property the {@link ClusterChecker} found broken; `property` names it. */
export class SafetyViolation extends Error {
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
    this.name = 'SafetyViolation';
  }
}

/** What the checker sees of a node: its id and disk. */
export interface CheckedNode {
  readonly id: NodeId;
  readonly storage: SimStorage;
}

/** The voters whose majorities decide: `voters`, and `votersOutgoing` too in a joint configuration. */
type Quorum = Pick<ConfState, 'voters' | 'votersOutgoing'>;

interface Incarnation {
  /** The membership it last reported. */
  config: Quorum;
  term: number;
  /** The highest commit index seen in its status. */
  commit: number;
  /** Committed entries of its log checked up to here (at Ready handovers). */
  commitChecked: number;
  /**
   * For each index it saw committed but did not check yet, its membership when it first saw it:
   * the commit was counted under that one (a configuration changes only when a node applies it,
   * which may come between the commit and the check).
   */
  readonly commitConfigs: Map<number, Quorum>;
  applied: number;
  /** As leader of `leaderTerm`: committed indexes up to here were found in its log. */
  leaderTerm: number;
  leaderCheckedThrough: number;
}

interface DurableState {
  term: number;
  vote: NodeId | undefined;
  commit: number;
}

/**
 * Checks Raft's safety properties over a simulated cluster, incrementally, as the simulation
 * reports what each node does. Internal to the simulator; every failure throws a
 * {@link SafetyViolation}.
 *
 * - **Election Safety** (§5.2): at most one leader per term, over the whole run.
 * - **Log Matching** (§5.3): every entry written to any disk is registered by `(index, term)`
 *   with its data and the term before it; a second write of `(index, term)` must agree on both.
 *   By induction, two logs that hold the same `(index, term)` agree up to there.
 * - **Leader Completeness** (§5.4.1): a leader of term T holds every entry first seen committed
 *   in a term below T (checked each time it hands its whole log to the disk).
 * - **State Machine Safety** (§5.4.3): each node applies indexes once each, in order from its
 *   restart point or restored snapshot, and every node applies the same entry at an index; a
 *   node's commit index only covers entries equal to the committed ones; a snapshot restored
 *   stands for a committed entry (its index and term).
 * - **Durability**: an entry, once committed, sits on the *durable* logs (or durable snapshots
 *   covering it) of a majority of the voters it was first seen committed under (of both halves of
 *   a joint configuration), from that moment on: checked then, after every crash and after every
 *   sync that replaced entries.
 * - **Monotonicity**: within an incarnation, term and commit index never decrease; on disk, the
 *   term and commit index never decrease and a vote, once durable, never changes within its term.
 */
export class ClusterChecker {
  /** How many checks ran. */
  checks = 0;
  private readonly leaderOfTerm = new Map<number, NodeId>();
  private readonly committed: Entry[] = [];
  private readonly commitTerm: number[] = [];
  /** The membership an entry was first seen committed under: its quorums must hold it durably. */
  private readonly commitConfig: Quorum[] = [];
  private readonly written = new Map<string, { readonly data: Uint8Array; readonly prevTerm: number }>();
  private readonly incarnations = new Map<NodeId, Incarnation>();
  private readonly durable = new Map<NodeId, DurableState>();

  constructor(private readonly nodes: () => readonly CheckedNode[]) {}

  /** The highest index known committed. */
  get committedIndex(): number {
    return this.committed.length - 1 < 0 ? 0 : this.committed.length - 1;
  }

  /** The committed entry at `index`, if known. */
  committedEntry(index: number): Entry | undefined {
    return this.committed[index];
  }

  /** A node (re)started: a new incarnation, from applied index `applied`. */
  started(id: NodeId, applied: number, status: RaftStatus): void {
    this.incarnations.set(id, {
      config: status.confState,
      term: status.term,
      commit: status.commit,
      commitChecked: status.commit,
      commitConfigs: new Map(),
      applied,
      leaderTerm: 0,
      leaderCheckedThrough: 0,
    });
  }

  /** After any event at a node: the checks that need only its status. */
  observe(id: NodeId, status: RaftStatus): void {
    this.checks++;
    const inc = this.incarnation(id);
    if (status.term < inc.term) fail('Monotonic term', `${id}'s term went back from ${inc.term} to ${status.term}`);
    if (status.commit < inc.commit) fail('Monotonic commit', `${id}'s commit index went back from ${inc.commit} to ${status.commit}`);
    inc.term = status.term;
    this.seeCommit(inc, status);
    if (status.role === 'leader') {
      const known = this.leaderOfTerm.get(status.term);
      if (known === undefined) this.leaderOfTerm.set(status.term, id);
      else if (known !== id) fail('Election Safety', `${known} and ${id} both led term ${status.term}`);
    }
  }

  /**
   * A node handed a Ready to its disk: `entries` are the new writes, and its live storage now
   * holds its whole log (everything unstable was handed over).
   */
  afterWrite(node: CheckedNode, status: RaftStatus, entries: readonly Entry[]): void {
    this.checks++;
    const live = node.storage.live;
    for (const entry of entries) this.registerWrite(node.id, live, entry);
    const inc = this.incarnation(node.id);
    // The commit index names entries of this log, which must be the committed ones.
    if (status.commit < inc.commit) fail('Monotonic commit', `${node.id}'s commit index went back from ${inc.commit} to ${status.commit}`);
    this.seeCommit(inc, status);
    for (let i = Math.max(inc.commitChecked + 1, live.firstIndex()); i <= status.commit; i++) {
      const entry = entryAt(live, i);
      if (entry === undefined) fail('State Machine Safety', `${node.id} commits index ${status.commit} but holds ${live.lastIndex()} entries`);
      this.learnCommitted(node.id, i, entry, status.term, inc.commitConfigs.get(i) ?? status.confState);
    }
    inc.commitConfigs.clear();
    if (status.commit > inc.commitChecked) inc.commitChecked = status.commit;
    if (status.role === 'leader') this.checkLeaderHolds(node.id, live, status.term, inc);
  }

  /** A node's disk synced; `lowestWritten` is the lowest index it wrote in that sync (Infinity if none). */
  afterSync(node: CheckedNode, lowestWritten: number): void {
    this.checks++;
    this.checkDurableHardState(node);
    if (lowestWritten <= this.committedIndex) this.checkCommittedDurable(lowestWritten, `${node.id} synced entries from ${lowestWritten}`);
  }

  /** A node applied `entry` (committed entries are applied in order). */
  afterApply(id: NodeId, entry: Entry): void {
    this.checks++;
    const inc = this.incarnation(id);
    if (entry.index !== inc.applied + 1) fail('State Machine Safety', `${id} applied index ${entry.index} after ${inc.applied} (not once each, in order)`);
    inc.applied = entry.index;
    const known = this.committed[entry.index];
    if (known === undefined) this.learnCommitted(id, entry.index, entry, inc.term, inc.config);
    else if (!sameEntry(known, entry)) fail('State Machine Safety', `${id} applied ${show(entry)} where ${show(known)} was committed`);
  }

  /**
   * A node restored its state machine from a snapshot (from the leader, or its own at a
   * restart): it must stand for a committed entry, and the node applies from after it.
   */
  afterRestore(id: NodeId, metadata: SnapshotMetadata): void {
    this.checks++;
    const known = this.committed[metadata.index];
    if (known === undefined || known.term !== metadata.term) {
      const what = known === undefined ? 'no entry known committed' : `the committed ${show(known)}`;
      fail('State Machine Safety', `${id} restored a snapshot at ${metadata.index}/${metadata.term}, where there is ${what}`);
    }
    const inc = this.incarnation(id);
    inc.applied = Math.max(inc.applied, metadata.index);
    inc.commitChecked = Math.max(inc.commitChecked, metadata.index);
  }

  /** A node crashed (its disk already dropped what it lost). */
  afterCrash(node: CheckedNode): void {
    this.checks++;
    this.incarnations.delete(node.id);
    this.checkDurableHardState(node);
    this.checkCommittedDurable(1, `${node.id} crashed`);
  }

  /** Notes the indexes `status` newly shows committed, with the membership they were counted under. */
  private seeCommit(inc: Incarnation, status: RaftStatus): void {
    for (let i = Math.max(inc.commit, inc.commitChecked) + 1; i <= status.commit; i++) inc.commitConfigs.set(i, status.confState);
    if (status.commit > inc.commit) inc.commit = status.commit;
    inc.config = status.confState;
  }

  private incarnation(id: NodeId): Incarnation {
    const inc = this.incarnations.get(id);
    if (inc === undefined) throw new Error(`ClusterChecker: ${id} was not started`);
    return inc;
  }

  private registerWrite(id: NodeId, live: MemoryStorage, entry: Entry): void {
    const prevTerm = entry.index === 1 ? 0 : live.term(entry.index - 1);
    const key = `${entry.index}:${entry.term}`;
    const known = this.written.get(key);
    if (known === undefined) {
      this.written.set(key, { data: entry.data, prevTerm });
      return;
    }
    if (!sameBytes(known.data, entry.data)) {
      fail('Log Matching', `${id} wrote a different entry at index ${entry.index} of term ${entry.term}: ${show(entry)}`);
    }
    if (known.prevTerm !== prevTerm) {
      fail('Log Matching', `${id} holds ${entry.index}/${entry.term} after an entry of term ${prevTerm}, another log after term ${known.prevTerm}`);
    }
  }

  private learnCommitted(id: NodeId, index: number, entry: Entry, term: number, config: Quorum): void {
    const known = this.committed[index];
    if (known !== undefined) {
      if (!sameEntry(known, entry)) fail('State Machine Safety', `${id} has ${show(entry)} at committed index ${index}, not ${show(known)}`);
      if (term < (this.commitTerm[index] as number)) this.commitTerm[index] = term;
      return;
    }
    for (let i = this.committed.length; i < index; i++) this.commitTerm[i] = Infinity;
    this.committed[index] = entry;
    this.commitTerm[index] = term;
    this.commitConfig[index] = config;
    this.checkDurableMajority(index, entry, `${id} saw it committed`);
  }

  private checkLeaderHolds(id: NodeId, live: MemoryStorage, term: number, inc: Incarnation): void {
    if (inc.leaderTerm !== term) {
      inc.leaderTerm = term;
      inc.leaderCheckedThrough = 0;
    }
    for (let i = inc.leaderCheckedThrough + 1; i < this.committed.length; i++) {
      const entry = this.committed[i];
      if (entry === undefined || !((this.commitTerm[i] as number) < term)) continue;
      if (i < live.firstIndex()) continue; // in its snapshot
      const held = entryAt(live, i);
      if (held === undefined || !sameEntry(held, entry)) {
        fail('Leader Completeness', `${id}, leader of term ${term}, lacks ${show(entry)} committed in term ${this.commitTerm[i]}`);
      }
    }
    inc.leaderCheckedThrough = Math.max(inc.leaderCheckedThrough, this.committed.length - 1);
  }

  private checkDurableHardState(node: CheckedNode): void {
    const hs = node.storage.durableHardState();
    const before = this.durable.get(node.id) ?? { term: 0, vote: undefined, commit: 0 };
    if (hs.term < before.term) fail('Monotonic term', `${node.id}'s durable term went back from ${before.term} to ${hs.term}`);
    if (hs.commit < before.commit) fail('Monotonic commit', `${node.id}'s durable commit index went back from ${before.commit} to ${hs.commit}`);
    // A second candidate in one term is a second vote (an erased vote is a bug too, but harmless
    // until the node votes again, which this catches).
    if (hs.term === before.term && before.vote !== undefined && hs.vote !== undefined && hs.vote !== before.vote) {
      fail('One vote per term', `${node.id} voted for ${before.vote} and then ${String(hs.vote)} in term ${hs.term}`);
    }
    this.durable.set(node.id, { term: hs.term, vote: hs.vote ?? (hs.term === before.term ? before.vote : undefined), commit: hs.commit });
  }

  private checkCommittedDurable(from: number, when: string): void {
    for (let i = from; i < this.committed.length; i++) {
      const entry = this.committed[i];
      if (entry !== undefined) this.checkDurableMajority(i, entry, when);
    }
  }

  /** A majority of the voters it was committed under (of each half, in a joint configuration) hold it on disk. */
  private checkDurableMajority(index: number, entry: Entry, when: string): void {
    const config = this.commitConfig[index] as Quorum;
    for (const voters of [config.voters, config.votersOutgoing ?? []]) {
      if (voters.length === 0) continue;
      let holders = 0;
      for (const node of this.nodes()) {
        if (!voters.includes(node.id)) continue;
        const held = node.storage.durableEntry(index);
        if (held === 'snapshot' || (held !== undefined && sameEntry(held, entry))) holders++;
      }
      if (holders < Math.floor(voters.length / 2) + 1) {
        fail('Durability', `committed ${show(entry)} is on ${holders} of the ${voters.length} voters' durable logs [${voters.join(' ')}] (${when})`);
      }
    }
  }
}

function entryAt(storage: MemoryStorage, index: number): Entry | undefined {
  if (index < storage.firstIndex() || index > storage.lastIndex()) return undefined;
  return storage.entries(index, index + 1)[0];
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a === b || (a.index === b.index && a.term === b.term && sameBytes(a.data, b.data));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function show(entry: Entry): string {
  const text = new TextDecoder().decode(entry.data);
  return `${entry.index}/${entry.term} ${JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text)}`;
}

function fail(property: string, detail: string): never {
  throw new SafetyViolation(property, detail);
}
