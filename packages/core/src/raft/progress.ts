import type { NodeId } from './entry.js';
import { Inflights } from './inflights.js';
import { type Membership, allMembers, allVoters, toMembership } from './membership.js';
import { type VoteResult, jointCommittedIndex, jointVoteResult } from './quorum.js';
import type { ConfState } from './raft-state.js';

/**
 * How the leader replicates to a follower:
 * - `'probe'`: the leader does not know where the follower's log matches; it sends one append at
 *   a time and waits for the answer (or a heartbeat response) before sending another.
 * - `'replicate'`: the follower matched; the leader streams appends optimistically, moving
 *   `next` past what it sent without waiting.
 * - `'snapshot'`: the entries the follower needs are compacted; a snapshot is on its way and
 *   nothing else is sent until the follower acknowledges it or the caller reports its outcome
 *   (`Raft.reportSnapshot`).
 */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** The flow-control window of each follower; see `RaftConfig.maxInflightMessages`. */
export interface InflightLimits {
  readonly maxInflightMessages: number;
  readonly maxInflightBytes: number;
}

const DEFAULT_LIMITS: InflightLimits = { maxInflightMessages: 256, maxInflightBytes: Infinity };

/**
 * The leader's view of one follower (Raft Figure 2, `nextIndex[]` and `matchIndex[]`).
 *
 * Invariants: `match < next`; `match` never decreases while the leader leads.
 */
export class Progress {
  /** The highest index known to be replicated on the follower (durably). */
  match = 0;
  /** The index of the next entry to send. */
  next: number;
  state: ProgressState = 'probe';
  /** In `'probe'`: an append is in flight, so send nothing more until an answer or heartbeat. */
  probeSent = false;
  /** Heard from since the last check-quorum round (Raft thesis §6.2). */
  recentActive = false;
  /** The highest commit index sent to the follower; it cannot know a later one. */
  sentCommit = 0;
  /** In `'snapshot'`: the index of the snapshot sent (0 otherwise). */
  pendingSnapshot = 0;
  /** The leader's tick count when it sent the newest heartbeat this follower acknowledged (lease reads); -1 before any. */
  leaseAck = -1;
  /** A learner: replicated to, but its acknowledgements count toward no quorum. */
  isLearner = false;
  /** In `'replicate'`: the appends in flight, bounded by the flow-control limits. */
  readonly inflights: Inflights;

  /**
   * @param next the index of the next entry to send
   * @param limits the flow-control window (default 256 appends, no byte limit)
   */
  constructor(next: number, limits: InflightLimits = DEFAULT_LIMITS) {
    this.next = next;
    this.inflights = new Inflights(limits.maxInflightMessages, limits.maxInflightBytes);
  }

  /**
   * Back to probing from just after `match` — or, leaving `'snapshot'`, from just after the
   * snapshot sent (the follower most likely holds it now; a refusal corrects that).
   */
  becomeProbe(): void {
    const after = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset('probe');
    this.next = after;
  }

  /** Start streaming from just after `match`. */
  becomeReplicate(): void {
    this.reset('replicate');
    this.next = this.match + 1;
  }

  /** A snapshot at `index` went out: hold everything else until its outcome is known. */
  becomeSnapshot(index: number): void {
    this.reset('snapshot');
    this.pendingSnapshot = index;
    this.next = index + 1;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  /**
   * Whether the leader must hold further appends to this follower: a snapshot is outstanding, a
   * probe is unanswered, or the window of appends in flight is full (flow control).
   */
  isPaused(): boolean {
    switch (this.state) {
      case 'snapshot':
        return true;
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
    }
  }

  /**
   * An append covering up to `lastIndex` went out, with `bytes` of entries. In `'replicate'` it
   * moves `next` past them at once (pipelining) and takes a place in the window, unless empty.
   */
  sentEntries(lastIndex: number, bytes = 0, entries = 1): void {
    if (this.state === 'replicate') {
      if (entries > 0) this.inflights.add(lastIndex, bytes);
      this.next = Math.max(this.next, lastIndex + 1);
    } else {
      this.probeSent = true;
    }
  }

  /** A message carrying `commit` went out. */
  sentCommitIndex(commit: number): void {
    this.sentCommit = Math.max(this.sentCommit, commit);
  }

  /**
   * Whether sending commit `index` could move the follower's commit: it is newer than what was
   * sent, and the follower holds entries past what was sent.
   */
  canBumpCommit(index: number): boolean {
    return index > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** The follower acknowledged up to `index`. Returns whether `match` moved (stale answers do not). */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (index > this.match) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.inflights.freeLE(index);
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower rejected an append at `rejected`; `matchHint` is the highest index where the
   * logs may agree. Returns false for a stale rejection (one the leader already moved past).
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'snapshot') return false; // the snapshot's answer settles where it matches
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.probeSent = false;
    return true;
  }
}

/**
 * Progress of every member (voters and learners) and the votes of the current election, with
 * the quorum questions asked of them — over both halves of a joint configuration (thesis §4.3).
 */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();
  #membership: Membership;
  #voters: readonly NodeId[];

  constructor(
    confState: ConfState,
    private readonly limits: InflightLimits = DEFAULT_LIMITS,
  ) {
    this.#membership = toMembership(confState);
    this.#voters = allVoters(this.#membership);
    this.reset(0);
  }

  /** The configuration tracked. */
  get membership(): Membership {
    return this.#membership;
  }

  /** Every voter, of either half of a joint configuration. */
  get voters(): readonly NodeId[] {
    return this.#voters;
  }

  /** Whether `id` is a learner (now, or once the joint configuration is left, while still a voter there). */
  isLearner(id: NodeId): boolean {
    return this.#membership.learners.includes(id);
  }

  /** Forgets every member's progress: `match` 0, `next` after `lastIndex`, probing. */
  reset(lastIndex: number): void {
    this.progress.clear();
    for (const id of allMembers(this.#membership)) this.progress.set(id, this.newProgress(id, lastIndex));
  }

  /**
   * Switches to a new configuration (an applied change, or a snapshot's): newcomers start
   * probing at `lastIndex`, marked active so check-quorum gives them time to answer (as etcd
   * does); nodes that left are forgotten; the others keep their progress.
   */
  setMembership(membership: Membership, lastIndex: number): void {
    this.#membership = membership;
    this.#voters = allVoters(membership);
    const members = new Set(allMembers(membership));
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    for (const id of members) {
      const known = this.progress.get(id);
      if (known !== undefined) {
        known.isLearner = this.isLearner(id);
        continue;
      }
      // `next` at the last index (etcd does the same), so the first probe carries an entry and
      // goes out even when nothing new is proposed.
      const progress = this.newProgress(id, Math.max(lastIndex - 1, 0));
      progress.recentActive = true;
      this.progress.set(id, progress);
    }
  }

  private newProgress(id: NodeId, lastIndex: number): Progress {
    const progress = new Progress(lastIndex + 1, this.limits);
    progress.isLearner = this.isLearner(id);
    return progress;
  }

  /** The largest index replicated on a majority of voters, of both halves when joint (Raft §5.3, thesis §4.3). */
  committed(): number {
    return this.quorumIndex((id) => this.progress.get(id)?.match);
  }

  /** The largest value that a majority of voters (of each half) reached, given each voter's value. */
  quorumIndex(value: (id: NodeId) => number | undefined): number {
    return jointCommittedIndex(this.#membership.voters, this.#membership.votersOutgoing, value);
  }

  /** Whether `ids` include a majority of the voters, of each half (learners do not count). */
  hasQuorum(ids: ReadonlySet<NodeId>): boolean {
    const granted = new Map<NodeId, boolean>();
    for (const id of this.#voters) if (ids.has(id)) granted.set(id, true);
    return this.tally(granted) === 'won';
  }

  /** Records `id`'s vote; only its first vote in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The election's outcome so far (learners' votes do not count). */
  tallyVotes(): VoteResult {
    return this.tally(this.votes);
  }

  /** Whether a majority of voters (counting `self`) was heard from recently (check-quorum). */
  quorumActive(self: NodeId): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.#voters) active.set(id, id === self || this.progress.get(id)?.recentActive === true);
    return this.tally(active) === 'won';
  }

  private tally(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return jointVoteResult(this.#membership.voters, this.#membership.votersOutgoing, votes);
  }
}
