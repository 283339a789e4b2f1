import type { ResolvedRaftConfig } from './config.js';
import { type Entry, type EntryType, type NodeId, payloadSize } from './entry.js';
import type { Message, VoteMessage } from './messages.js';
import { broadcastAppend, broadcastHeartbeat } from './leader-replication.js';
import { ProgressTracker } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue, type ReadState } from './read-only.js';
import type { HardState, RaftRole, SoftState } from './raft-state.js';
import { stepCandidate } from './step-candidate.js';
import { stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';

/** A message before `send` stamps its sender. */
type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from'> : never) : never;

const EMPTY = new Uint8Array(0);

/**
 * The Raft state machine behind {@link Raft}: roles, terms, elections, replication. It is
 * internal; `Raft` adds the `Ready`/`advance` bookkeeping and the input checks. Every field is
 * volatile except `term`, `vote` and the log, which the caller persists through `Ready`.
 */
export class RaftCore {
  readonly id: NodeId;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  /** Raft Figure 2 `currentTerm`. Invariant: never decreases. */
  term = 0;
  /** Raft Figure 2 `votedFor` in `term`. Invariant: set at most once per term. */
  vote: NodeId | undefined;
  leaderId: NodeId | undefined;
  role: RaftRole = 'follower';
  /** Ticks since the last election timeout reset (followers and candidates) or check-quorum round (leader). */
  electionElapsed = 0;
  heartbeatElapsed = 0;
  /** This term's timeout, in `[electionTick, 2 × electionTick)` (Raft §5.2). */
  randomizedElectionTimeout = 0;
  /** Messages to peers, to be sent once the state they were produced with is durable. */
  messages: Message[] = [];
  /**
   * Messages to this node itself (its vote for itself, its acknowledgement of its own entries),
   * stepped only once the state they stand for is durable: a leader counts its own entries toward
   * a commit only after persisting them (etcd issue #14370).
   */
  selfMessages: Message[] = [];
  /** Answered reads, for the next Ready (thesis §6.4). */
  readStates: ReadState[] = [];
  /** The leader's reads being confirmed by a heartbeat round. */
  readOnly = new ReadOnlyQueue();
  /** The leader's reads waiting for its first commit in its term. */
  pendingReads: { readonly from: NodeId; readonly context: Uint8Array; readonly safe: boolean }[] = [];
  /** Ticks since this node became leader: the clock of its lease (lease reads). */
  leaderTicks = 0;
  /**
   * Ticks since this node last heard from a leader (or led); with lease reads it refuses votes
   * until an election timeout passed. Starts at 0: after a crash it may have acknowledged a
   * leader just before.
   */
  leaderContactElapsed = 0;
  /** This leader asked a follower to campaign at once (leadership transfer): no more lease reads this term. */
  transferCampaignSent = false;
  /** The node this leader is handing leadership to (thesis §3.10); proposals wait meanwhile. */
  leadTransferee: NodeId | undefined;
  /**
   * The leader's newest configuration change may sit at this index: no new change is proposed
   * until it is applied (one change at a time). A new leader sets it to its last index, since
   * its log may end with a change it cannot see yet as such.
   */
  pendingConfIndex = 0;
  /**
   * Command bytes this leader appended that are not committed yet (flow control, etcd's
   * `uncommittedSize`): entries of earlier terms are not counted, and the count never goes below
   * 0, so it may underestimate but never blocks forever.
   */
  uncommittedBytes = 0;

  constructor(readonly config: ResolvedRaftConfig) {
    this.id = config.id;
    const { hardState, confState } = config.storage.initialState();
    this.log = new RaftLog(config.storage, config.applied);
    if (hardState.commit > this.log.lastIndex()) {
      throw new RangeError(
        `Raft: the stored commit index ${hardState.commit} is past the stored last index ${this.log.lastIndex()}`,
      );
    }
    this.tracker = new ProgressTracker(confState, config);
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(this.term, undefined);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leaderId: this.leaderId, role: this.role };
  }

  /** Whether this node may campaign: it is a voter. */
  promotable(): boolean {
    return this.tracker.voters.includes(this.id);
  }

  send(message: Outgoing): void {
    const full = { ...message, from: this.id } as Message;
    if (full.to === this.id) this.selfMessages.push(full);
    else this.messages.push(full);
  }

  // --- Time -------------------------------------------------------------------------------------

  tick(): void {
    this.leaderContactElapsed++;
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private tickHeartbeat(): void {
    this.leaderTicks++;
    this.leaderContactElapsed = 0;
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTick) {
      this.electionElapsed = 0;
      // Thesis §3.10: a transfer that did not finish within an election timeout is abandoned, so
      // the leader takes proposals again.
      this.leadTransferee = undefined;
      if (this.config.checkQuorum) {
        // Thesis §6.2: a leader that has not heard from a quorum within an election timeout steps
        // down, so clients find the real leader and a lease-holding follower can vote again.
        if (!this.tracker.quorumActive(this.id)) this.becomeFollower(this.term, undefined);
        for (const [id, progress] of this.tracker.progress) if (id !== this.id) progress.recentActive = false;
      }
      if (this.role !== 'leader') return;
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTick) {
      this.heartbeatElapsed = 0;
      broadcastHeartbeat(this);
    }
  }

  private resetRandomizedElectionTimeout(): void {
    const { electionTick, random } = this.config;
    const extra = Math.floor(random() * electionTick);
    this.randomizedElectionTimeout = electionTick + Math.min(Math.max(extra, 0), electionTick - 1);
  }

  // --- Roles ------------------------------------------------------------------------------------

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = undefined;
    }
    this.leaderId = undefined;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.tracker.votes.clear();
    this.tracker.reset(this.log.lastIndex());
    this.readOnly = new ReadOnlyQueue();
    this.pendingReads = [];
    this.leaderTicks = 0;
    this.transferCampaignSent = false;
    this.leadTransferee = undefined;
    this.uncommittedBytes = 0;
  }

  becomeFollower(term: number, leaderId: NodeId | undefined): void {
    this.reset(term);
    this.leaderId = leaderId;
    this.role = 'follower';
  }

  /** Pre-vote (thesis §9.6): neither the term nor the vote moves until a real election. */
  becomePreCandidate(): void {
    if (this.role === 'leader') throw new Error('Raft: a leader cannot become a pre-candidate');
    this.tracker.votes.clear();
    this.leaderId = undefined;
    this.role = 'pre-candidate';
  }

  becomeCandidate(): void {
    if (this.role === 'leader') throw new Error('Raft: a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    if (this.role !== 'candidate') throw new Error(`Raft: only a candidate can become leader, not a ${this.role}`);
    this.reset(this.term);
    this.leaderId = this.id;
    this.role = 'leader';
    const self = this.tracker.progress.get(this.id);
    if (self !== undefined) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    this.pendingConfIndex = this.log.lastIndex();
    // Raft §8: an empty entry of the new term lets the leader commit (and learn) everything
    // before it, since entries of earlier terms never commit by counting replicas (§5.4.2).
    this.appendEntries([EMPTY]);
  }

  // --- Elections --------------------------------------------------------------------------------

  /**
   * The election timeout ran out (or the caller asked): campaign unless leading. A campaign the
   * leader asked for (`transfer`) skips the pre-vote and tells voters to ignore its lease.
   */
  hup(transfer = false): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // A committed configuration change not applied yet may change who votes (etcd does the same).
    if (this.hasUnappliedConfChanges()) return;
    this.campaign(this.config.preVote && !transfer ? 'pre-vote' : 'vote', transfer);
  }

  campaign(kind: 'pre-vote' | 'vote', transfer = false): void {
    let term: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    const responseType = kind === 'pre-vote' ? 'pre-vote-response' : 'vote-response';
    for (const to of this.tracker.voters) {
      // The vote for itself counts only once the hard state holding it is durable (self message).
      if (to === this.id) this.send({ type: responseType, to, term, granted: true });
      else {
        const vote = { type: kind, to, term, lastLogIndex: this.log.lastIndex(), lastLogTerm: this.log.lastTerm() };
        this.send(transfer ? { ...vote, transfer: true } : vote);
      }
    }
  }

  private hasUnappliedConfChanges(): boolean {
    // Entries a restored snapshot covers are not in the log; its membership is applied already.
    const from = Math.max(this.log.applied, this.log.firstIndex() - 1) + 1;
    if (this.log.committed < from) return false;
    return this.log.slice(from, this.log.committed + 1).some((e) => e.type === 'conf-change');
  }

  /** Counts a vote and reacts to the outcome (Raft §5.2). */
  poll(from: NodeId, granted: boolean): void {
    this.tracker.recordVote(from, granted);
    const result = this.tracker.tallyVotes();
    if (result === 'won') {
      if (this.role === 'pre-candidate') {
        this.campaign('vote');
      } else {
        this.becomeLeader();
        broadcastAppend(this);
      }
    } else if (result === 'lost') {
      this.becomeFollower(this.term, undefined);
    }
  }

  // --- Replication ------------------------------------------------------------------------------

  /**
   * Whether `bytes` more may be appended under `maxUncommittedBytes`: always when nothing is
   * uncommitted, so one large entry still goes (etcd's rule).
   */
  canAcceptUncommitted(bytes: number): boolean {
    const { maxUncommittedBytes } = this.config;
    return this.uncommittedBytes === 0 || bytes === 0 || this.uncommittedBytes + bytes <= maxUncommittedBytes;
  }

  /** Entries the leader handed out as committed no longer count as uncommitted. */
  reduceUncommitted(entries: readonly Entry[]): void {
    if (this.role !== 'leader' || this.uncommittedBytes === 0) return;
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - payloadSize(entries));
  }

  /** Appends commands (or one configuration change) to the leader's log; returns the index of the last. */
  appendEntries(commands: readonly Uint8Array[], type: EntryType = 'normal'): number {
    let index = this.log.lastIndex();
    const entries: Entry[] = commands.map((data) => ({ index: ++index, term: this.term, type, data }));
    this.uncommittedBytes += payloadSize(entries);
    const last = this.log.append(entries);
    // The leader's own acknowledgement, stepped once these entries are durable.
    this.send({ type: 'append-response', to: this.id, term: this.term, reject: false, index: last });
    return last;
  }

  /** Commits the largest index a majority holds, if it is of this term (Raft §5.4.2). */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.tracker.committed(), this.term);
  }

  // --- Messages ---------------------------------------------------------------------------------

  /** Handles one message from a peer (or from itself): terms first, votes, then the role. */
  step(m: Message): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        // Thesis §4.2.3: while it heard from a leader within the election timeout, a node neither
        // moves its term nor votes, so a partitioned node cannot depose a working leader.
        const { checkQuorum, electionTick, readOnly } = this.config;
        const heardFromLeader = this.leaderId !== undefined && this.electionElapsed < electionTick;
        // With lease reads, the lease also survives a term change or a restart (thesis §6.4.1).
        const leaseKept = readOnly === 'leaseBased' && this.leaderContactElapsed < electionTick;
        // A campaign the leader asked for (leadership transfer) is answered regardless.
        if (checkQuorum && (heardFromLeader || leaseKept) && m.transfer !== true) return;
      }
      if (m.type === 'pre-vote' || (m.type === 'pre-vote-response' && m.granted)) {
        // A pre-vote moves no term: it carries the term the candidate would campaign in.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, undefined);
      }
    } else if (m.term < this.term) {
      const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
      if ((this.config.checkQuorum || this.config.preVote) && fromLeader) {
        // A stale leader would never learn the newer term otherwise: a node that pre-votes does not
        // bump its term, so it could not win an election to tell it (etcd does the same).
        this.send({ type: 'append-response', to: m.from, term: this.term, reject: false, index: 0 });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-response', to: m.from, term: this.term, granted: false });
      }
      return; // Raft §5.1: a stale term is refused.
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVote(m);
      return;
    }
    switch (this.role) {
      case 'leader':
        stepLeader(this, m);
        break;
      case 'candidate':
      case 'pre-candidate':
        stepCandidate(this, m);
        break;
      case 'follower':
        stepFollower(this, m);
        break;
    }
  }

  /** RequestVote, receiver side (Raft §5.2, §5.4.1), for votes and pre-votes alike. */
  private handleVote(m: VoteMessage): void {
    const responseType = m.type === 'vote' ? 'vote-response' : 'pre-vote-response';
    const canVote =
      this.vote === m.from ||
      (this.vote === undefined && this.leaderId === undefined) ||
      (m.type === 'pre-vote' && m.term > this.term);
    if (canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm)) {
      // The response is sent only after the Ready holding this vote is persisted.
      this.send({ type: responseType, to: m.from, term: m.term, granted: true });
      if (m.type === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: responseType, to: m.from, term: this.term, granted: false });
    }
  }
}
