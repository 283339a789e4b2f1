import type { NodeId } from './entry.js';
import { committedIndex, voteResult, type VoteResult } from './quorum.js';

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

  constructor(next: number) {
    this.next = next;
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
  }

  /** Whether the leader must hold further appends to this follower. */
  isPaused(): boolean {
    if (this.state === 'snapshot') return true;
    return this.state === 'probe' && this.probeSent;
  }

  /** An append covering up to `lastIndex` went out. */
  sentEntries(lastIndex: number): void {
    if (this.state === 'replicate') this.next = Math.max(this.next, lastIndex + 1);
    else this.probeSent = true;
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
 * Progress of every voter and the votes of the current election, with the quorum questions
 * asked of them.
 */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(public voters: readonly NodeId[]) {
    for (const id of voters) this.progress.set(id, new Progress(1));
  }

  /**
   * Switches to a new set of voters (from a snapshot's membership): newcomers start probing
   * after `lastIndex`, marked active so check-quorum gives them time; leavers are forgotten.
   */
  setVoters(voters: readonly NodeId[], lastIndex: number): void {
    for (const id of this.progress.keys()) if (!voters.includes(id)) this.progress.delete(id);
    for (const id of voters) {
      if (this.progress.has(id)) continue;
      const progress = new Progress(lastIndex + 1);
      progress.recentActive = true;
      this.progress.set(id, progress);
    }
    this.voters = [...voters];
  }

  /** Forgets every voter's progress: `match` 0, `next` after `lastIndex`, probing. */
  reset(lastIndex: number): void {
    for (const id of this.voters) this.progress.set(id, new Progress(lastIndex + 1));
  }

  /** The largest index replicated on a majority of voters (Raft §5.3). */
  committed(): number {
    return this.quorumIndex((id) => this.progress.get(id)?.match);
  }

  /** The largest value that a majority of voters reached, given each voter's value. */
  quorumIndex(value: (id: NodeId) => number | undefined): number {
    return committedIndex(this.voters, value);
  }

  /** Whether `ids` include a majority of the voters (non-voters do not count). */
  hasQuorum(ids: ReadonlySet<NodeId>): boolean {
    const granted = new Map<NodeId, boolean>();
    for (const id of this.voters) if (ids.has(id)) granted.set(id, true);
    return voteResult(this.voters, granted) === 'won';
  }

  /** Records `id`'s vote; only its first vote in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  /** The election's outcome so far. */
  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  /** Whether a majority of voters (counting `self`) was heard from recently (check-quorum). */
  quorumActive(self: NodeId): boolean {
    const active = new Map<NodeId, boolean>();
    for (const id of this.voters) active.set(id, id === self || this.progress.get(id)?.recentActive === true);
    return voteResult(this.voters, active) === 'won';
  }
}
