import { isProposalDroppedError } from '../../errors/proposal-dropped-error.js';
import { type Event, EventSource } from '../../events/event.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { type ConfChange, decodeConfChange } from '../conf-change.js';
import type { RaftConfig } from '../config.js';
import type { Entry, NodeId } from '../entry.js';
import type { Message } from '../messages.js';
import { Raft, type RaftStatus, type Ready } from '../raft.js';
import type { ConfState, RaftRole } from '../raft-state.js';
import { NodeStoppedError } from './errors/node-stopped-error.js';
import { NotLeaderError } from './errors/not-leader-error.js';
import { RequestLostError } from './errors/request-lost-error.js';
import { type PersistentStorage, needsSync } from './persistent-storage.js';
import type { StateMachine } from './state-machine.js';
import type { Transport } from './transport.js';

/** Options of a {@link RaftNode}. The membership comes from `storage` (its `initialState()`). */
export interface RaftNodeOptions<R> {
  /** This node's id; required, non-empty. */
  readonly id: NodeId;
  /** Where the log and hard state live; required. A restarted node passes the same storage. */
  readonly storage: PersistentStorage;
  /** How messages reach the peers; required. */
  readonly transport: Transport;
  /** The replicated application; required. A restarted node passes a fresh one. */
  readonly stateMachine: StateMachine<R>;
  /** Timers for ticks; required (`systemClock` in production, `ManualClock` in tests). */
  readonly clock: Clock;
  /** Randomness for election timeouts; required (`systemRandom`, or `seededRandom(seed)`). */
  readonly random: Random;
  /** Milliseconds per Raft tick; default 100 (elections after 10–20 ticks by default). */
  readonly tickMs?: number;
  /**
   * How long a leader holds the empty appends that only tell its followers of a new commit
   * index, in ms; default 2. An append the leader sends the same follower meanwhile carries the
   * commit index too and replaces them, so under a steady stream of writes the followers hear
   * of each commit with the next write, for no message of its own. 0 sends them at the end of
   * the event-loop turn. It delays when followers apply (and serve reads) by at most this long.
   */
  readonly commitHoldMs?: number;
  /** Take a snapshot and compact the log after this many applied entries; 0 (default) never. */
  readonly snapshotEvery?: number;
  /** Options for the Raft core (`electionTick`, `preVote`, `readOnly`, …). */
  readonly raft?: Partial<Omit<RaftConfig, 'id' | 'storage' | 'random' | 'applied'>>;
}

/** {@link RaftStatus} plus what the runtime knows. */
export interface RaftNodeStatus extends RaftStatus {
  /** The last index the state machine applied. */
  readonly appliedIndex: number;
  readonly pendingProposals: number;
  readonly pendingReads: number;
  readonly stopped: boolean;
  /** Proposals and membership changes submitted since the node started (monotonic; for metrics). */
  readonly proposalsTotal: number;
  /** Of those, the ones that rejected — not leader, dropped, lost, stopped (monotonic). */
  readonly proposalsFailed: number;
}

/** Options of {@link RaftNode.read}. */
export interface ReadOptions {
  /**
   * - `'linearizable'` (default): ReadIndex confirmed by a heartbeat round that a quorum
   *   acknowledges (thesis §6.4); correct whatever the clocks do.
   * - `'lease'`: the leader answers from its lease when it holds one (thesis §6.4.1), saving the
   *   round trip; it falls back to a heartbeat round otherwise. Needs `raft.readOnly:
   *   'leaseBased'` (which needs `checkQuorum`, the default). **Clock assumption**: the nodes'
   *   clocks run at rates that differ by at most `raft.maxClockDrift` (default 10 %) and never
   *   jump backwards. Pauses (GC, SIGSTOP, a blocked event loop) are covered: the node ticks
   *   once per `tickMs` that passed on its clock, making up skipped ticks (a lease read catches
   *   up first), so a paused leader's lease has lapsed when it wakes.
   */
  readonly consistency?: 'linearizable' | 'lease';
}

/** The payload of {@link RaftNode.onStateChange} and {@link RaftNode.onLeaderChange}. */
export interface RaftNodeStateChange {
  readonly term: number;
  /** The leader this node knows of (itself when leading), or `undefined`. */
  readonly leaderId: NodeId | undefined;
  readonly role: RaftRole;
}

interface Pending {
  readonly term: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

interface PendingRead {
  index: number | undefined;
  readonly mode: 'safe' | 'lease';
  /** The tick count when ReadIndex was last asked for this read. */
  askedAt: number;
  readonly resolve: (index: number) => void;
  readonly reject: (error: unknown) => void;
}

const encoder = new TextEncoder();
/** Most ticks made up for at once after a pause (far more than any election timeout). */
const MAX_CATCH_UP_TICKS = 10_000;

/**
 * Runs a {@link Raft} node: ticks from the clock's timers, and one Ready loop that persists
 * (awaiting `storage.save`), then sends, then applies committed entries to the state machine,
 * then advances. Proposals resolve with the state machine's result once applied; reads are
 * linearizable through ReadIndex; snapshots compact the log every `snapshotEvery` entries.
 *
 * @typeParam R what the state machine's `apply` returns
 * @example
 * const node = new RaftNode({ id: 'a', storage, transport, stateMachine, clock: systemClock, random: systemRandom });
 * transportServer.onMessage((message) => node.receive(message));
 * const result = await node.propose(encode({ op: 'put', key: 'x', value: 1 }));
 * await node.read(); // now the local state machine reflects every write committed before
 * await node.stop();
 * @throws {TypeError | RangeError} from the constructor, for a missing or bad option (named)
 */
export class RaftNode<R = unknown> {
  readonly id: NodeId;
  readonly #raft: Raft;
  readonly #storage: PersistentStorage;
  readonly #transport: Transport;
  readonly #stateMachine: StateMachine<R>;
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #snapshotEvery: number;
  readonly #proposals = new Map<number, Pending>();
  readonly #reads = new Map<string, PendingRead>();
  #readSeq = 0;
  /** Ticks since the node started (for read retries). */
  #ticks = 0;
  readonly #readRetryTicks: number;
  #applied: number;
  #snapshotIndex: number;
  #confState: ConfState;
  #leading = false;
  #leaderId: NodeId | undefined;
  #timer: TimerHandle | undefined;
  #driving = false;
  /** Messages {@link RaftNode.#sendSoon} holds until the end of the turn. */
  #soon: Message[] = [];
  #soonScheduled = false;
  readonly #commitHoldMs: number;
  /** Empty commit-only appends held per follower ({@link RaftNodeOptions.commitHoldMs}). */
  readonly #heldCommits = new Map<NodeId, Message>();
  #heldTimer: TimerHandle | undefined;
  #stopped = false;
  #idle: Promise<void> = Promise.resolve();
  #ready: Promise<void>;
  readonly #leaseReads: boolean;
  #lastTickAt: number;
  #proposalsTotal = 0;
  #proposalsFailed = 0;
  #state: RaftNodeStateChange;
  readonly #stateChanged = new EventSource<RaftNodeStateChange>();
  readonly #leaderChanged = new EventSource<RaftNodeStateChange>();
  readonly #stoppedEvent = new EventSource<NodeStoppedError>();

  /**
   * Fires after a Ready in which this node's role, term or known leader changed (once the
   * Ready's entries are applied), with the new values. Listener errors are ignored.
   *
   * @example
   * node.onStateChange(({ role, term, leaderId }) => log(`${role} in term ${term}, leader ${leaderId ?? 'none'}`));
   */
  readonly onStateChange: Event<RaftNodeStateChange> = this.#stateChanged.event;

  /** Like {@link RaftNode.onStateChange}, but only when the known leader changed (elections). */
  readonly onLeaderChange: Event<RaftNodeStateChange> = this.#leaderChanged.event;

  /**
   * Fires once when the node stops: on `stop()` (a {@link NodeStoppedError} without `cause`),
   * or because its storage or state machine failed (`cause` holds the error — a failed fsync,
   * say: the node cannot go on, and a process should exit so its supervisor restarts it).
   * Listener errors are ignored.
   *
   * @example
   * node.onStop((reason) => { if (reason.cause !== undefined) { log(reason.cause); process.exit(1); } });
   */
  readonly onStop: Event<NodeStoppedError> = this.#stoppedEvent.event;

  constructor(options: RaftNodeOptions<R>) {
    if (typeof options !== 'object' || options === null) throw new TypeError('RaftNode: options must be an object');
    const { id, storage, transport, stateMachine, clock, random } = options;
    if (typeof id !== 'string' || id === '') throw new TypeError(`RaftNode: options.id must be a non-empty string`);
    for (const [name, value, method] of [
      ['storage', storage, 'save'],
      ['transport', transport, 'send'],
      ['stateMachine', stateMachine, 'apply'],
      ['clock', clock, 'setTimeout'],
    ] as const) {
      if (typeof (value as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
        throw new TypeError(`RaftNode: options.${name} is required (an object with ${method}())`);
      }
    }
    if (typeof random !== 'function') throw new TypeError('RaftNode: options.random must be a function returning [0, 1)');
    const tickMs = options.tickMs ?? 100;
    const commitHoldMs = options.commitHoldMs ?? 2;
    if (!Number.isFinite(commitHoldMs) || commitHoldMs < 0) {
      throw new RangeError(`RaftNode: options.commitHoldMs must be a non-negative number, got ${commitHoldMs}`);
    }
    this.#commitHoldMs = commitHoldMs;
    if (!Number.isFinite(tickMs) || tickMs <= 0) throw new RangeError(`RaftNode: options.tickMs must be a positive number, got ${tickMs}`);
    const snapshotEvery = options.snapshotEvery ?? 0;
    if (!Number.isInteger(snapshotEvery) || snapshotEvery < 0) {
      throw new RangeError(`RaftNode: options.snapshotEvery must be a non-negative integer, got ${snapshotEvery}`);
    }
    this.id = id;
    this.#storage = storage;
    this.#transport = transport;
    this.#stateMachine = stateMachine;
    this.#clock = clock;
    this.#tickMs = tickMs;
    this.#snapshotEvery = snapshotEvery;
    // Restart from the snapshot on disk; Raft hands out the committed entries after it again.
    const snapshot = storage.snapshot();
    this.#snapshotIndex = snapshot.metadata.index;
    this.#applied = snapshot.metadata.index;
    this.#confState = storage.initialState().confState;
    const applied = Math.min(this.#applied, storage.initialState().hardState.commit);
    this.#raft = new Raft({ ...options.raft, id, storage, random, applied });
    this.#leaseReads = options.raft?.readOnly === 'leaseBased';
    this.#readRetryTicks = Math.max(2, Math.floor((options.raft?.electionTick ?? 10) / 2));
    this.#lastTickAt = clock.now();
    const initial = this.#raft.status();
    this.#state = { term: initial.term, leaderId: initial.leaderId, role: initial.role };
    this.#ready = (async () => {
      if (snapshot.metadata.index > 0) await stateMachine.restore(snapshot.data);
    })();
    this.#idle = this.#ready.then(
      () => this.#kick(),
      (error: unknown) => this.#fail(error),
    );
    this.#armTick();
  }

  /** Hands a message from a peer to the node (the transport calls it). Ignored once stopped. */
  receive(message: Message): void {
    if (this.#stopped) return;
    this.#raft.step(message);
    this.#kick();
  }

  /** Starts an election now instead of waiting for the election timeout. */
  campaign(): void {
    if (this.#stopped) return;
    this.#raft.campaign();
    this.#kick();
  }

  /**
   * Proposes a command; resolves with the state machine's result once the entry is applied here.
   *
   * @param command the command's bytes (non-empty: an empty entry is a leader's no-op)
   * @throws {NotLeaderError} (rejects) when this node is not the leader, with the leader it knows
   * @throws {ProposalDroppedError} (rejects) when the leader is transferring leadership or holds too much uncommitted
   * @throws {RequestLostError} (rejects) when the entry was overwritten, or leadership was lost with it pending
   * @throws {NodeStoppedError} (rejects) when the node is or gets stopped first
   * @throws {TypeError} (rejects) when `command` is not a non-empty `Uint8Array`
   */
  async propose(command: Uint8Array): Promise<R> {
    if (!(command instanceof Uint8Array) || command.byteLength === 0) {
      throw new TypeError('RaftNode: propose(command) needs a non-empty Uint8Array');
    }
    return (await this.#submit(() => this.#raft.propose(command))) as R;
  }

  /**
   * Resolves once this node's state machine reflects every write committed before the call
   * (ReadIndex, Raft thesis §6.4), with the read index; then read the state machine directly.
   * Works on followers too (they ask the leader). `{ consistency: 'lease' }` lets the leader
   * answer from its lease (see {@link ReadOptions} for the clock assumption).
   *
   * @throws {NotLeaderError} (rejects) when no leader is known
   * @throws {RequestLostError} (rejects) when the leader changed before confirming the read
   * @throws {NodeStoppedError} (rejects) when the node is or gets stopped first
   * @throws {RangeError} (rejects) for `'lease'` without `raft.readOnly: 'leaseBased'`;
   *   {@link TypeError} for another `consistency`
   */
  async read(options: ReadOptions = {}): Promise<number> {
    if (this.#stopped) throw new NodeStoppedError();
    const consistency = options?.consistency ?? 'linearizable';
    if (consistency !== 'linearizable' && consistency !== 'lease') {
      throw new TypeError(`RaftNode: read(options).consistency must be 'linearizable' or 'lease', got ${JSON.stringify(consistency)}`);
    }
    if (consistency === 'lease' && !this.#leaseReads) {
      throw new RangeError("RaftNode: read({ consistency: 'lease' }) needs options.raft.readOnly 'leaseBased' (and checkQuorum)");
    }
    if (consistency === 'lease') this.#catchUp();
    const context = `${this.id}/${++this.#readSeq}`;
    try {
      this.#raft.readIndex(encoder.encode(context), consistency === 'lease' ? 'lease' : 'safe');
    } catch (error) {
      throw this.#translate(error);
    }
    const mode = consistency === 'lease' ? 'lease' : 'safe';
    const result = new Promise<number>((resolve, reject) => this.#reads.set(context, { index: undefined, mode, askedAt: this.#ticks, resolve, reject }));
    this.#kick();
    return result;
  }

  /**
   * Hands leadership to `to` (thesis §3.10); watch `status().leaderId` for the outcome.
   *
   * @throws {NotLeaderError} when no leader is known
   * @throws {NodeStoppedError} when the node is stopped
   */
  transferLeadership(to: NodeId): void {
    if (this.#stopped) throw new NodeStoppedError();
    try {
      this.#raft.transferLeadership(to);
    } catch (error) {
      throw this.#translate(error);
    }
    this.#kick();
  }

  /**
   * Adds a voter (or, with `{ learner: true }`, a learner) through a membership change; resolves
   * with the new membership once applied here. Same rejections as {@link RaftNode.propose}, plus
   * `ConfChangeError` and `ProposalDroppedError` (`'conf-change-pending'`).
   */
  async addMember(node: NodeId, options: { learner?: boolean } = {}): Promise<Required<ConfState>> {
    return this.#changeMembership({ changes: [{ type: options.learner === true ? 'add-learner' : 'add-voter', node }] });
  }

  /** Removes a member through a membership change; resolves with the new membership once applied here. */
  async removeMember(node: NodeId): Promise<Required<ConfState>> {
    return this.#changeMembership({ changes: [{ type: 'remove', node }] });
  }

  /** The Raft status plus the applied index and the pending work. */
  status(): RaftNodeStatus {
    return {
      ...this.#raft.status(),
      appliedIndex: this.#applied,
      pendingProposals: this.#proposals.size,
      pendingReads: this.#reads.size,
      stopped: this.#stopped,
      proposalsTotal: this.#proposalsTotal,
      proposalsFailed: this.#proposalsFailed,
    };
  }

  /**
   * Stops the node: clears its timer, rejects pending proposals and reads with
   * {@link NodeStoppedError}, and resolves once the write in progress (if any) has settled, so
   * the storage can be reopened by a new node.
   */
  async stop(): Promise<void> {
    this.#shutdown(new NodeStoppedError());
    await this.#idle;
  }

  async #changeMembership(change: ConfChange): Promise<Required<ConfState>> {
    return (await this.#submit(() => this.#raft.proposeConfChange(change))) as Required<ConfState>;
  }

  async #submit(append: () => { readonly index: number; readonly term: number }): Promise<unknown> {
    this.#proposalsTotal++;
    try {
      return await this.#place(append);
    } catch (error) {
      this.#proposalsFailed++;
      throw error;
    }
  }

  async #place(append: () => { readonly index: number; readonly term: number }): Promise<unknown> {
    if (this.#stopped) throw new NodeStoppedError();
    let placed: { readonly index: number; readonly term: number };
    try {
      placed = append();
    } catch (error) {
      throw this.#translate(error);
    }
    const result = new Promise<unknown>((resolve, reject) => this.#proposals.set(placed.index, { term: placed.term, resolve, reject }));
    this.#kick();
    return result;
  }

  #translate(error: unknown): unknown {
    if (isProposalDroppedError(error) && error.reason === 'not-leader') return new NotLeaderError(error.leaderId, error.term);
    return error;
  }

  #armTick(): void {
    const wait = Math.max(1, this.#lastTickAt + this.#tickMs - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#catchUp();
      this.#armTick();
    }, wait);
  }

  /**
   * Ticks once per `tickMs` that passed on the clock since the last tick — after a pause (GC,
   * SIGSTOP, a blocked event loop) that is many at once. Raft counts time in ticks, and a lease
   * read is only safe if a paused leader's tick count covers the pause (config.ts, `readOnly`):
   * then its lease has expired, and check-quorum makes it step down. Lease reads call it first,
   * since a read may be handled after a pause before the timer fires.
   */
  #catchUp(): void {
    const now = this.#clock.now();
    let due = Math.floor((now - this.#lastTickAt) / this.#tickMs);
    if (due <= 0) return;
    if (due > MAX_CATCH_UP_TICKS) {
      due = MAX_CATCH_UP_TICKS;
      this.#lastTickAt = now;
    } else this.#lastTickAt += due * this.#tickMs;
    for (let i = 0; i < due; i++) this.#raft.tick();
    this.#ticks += due;
    this.#askAgain();
    this.#kick();
  }

  // A ReadIndex request or its answer can be lost (a follower's goes to the leader and back),
  // and nothing in Raft retries it: an unconfirmed read asks again every #readRetryTicks ticks,
  // with the same context (an answer to either asking serves it: both started after the read
  // did), as etcd's server re-sends its read index every 500 ms. Without it, the read waited
  // for a leader change or the caller's timeout, and reads batched behind it with it.
  #askAgain(): void {
    for (const [context, read] of this.#reads) {
      if (read.index !== undefined || this.#ticks - read.askedAt < this.#readRetryTicks) continue;
      read.askedAt = this.#ticks;
      try {
        this.#raft.readIndex(encoder.encode(context), read.mode);
      } catch {
        // No leader known now: the read is rejected when the leader changes, or asks again later.
      }
    }
  }

  /** Starts the Ready loop unless it runs already (it then picks up the new input itself). */
  #kick(): void {
    if (this.#driving || this.#stopped || !this.#raft.hasReady()) return;
    this.#driving = true;
    this.#idle = this.#drive();
  }

  async #drive(): Promise<void> {
    try {
      await this.#ready;
      while (!this.#stopped && this.#raft.hasReady()) {
        const ready = this.#raft.ready();
        const sync = needsSync(ready, this.#storage.initialState().hardState);
        if (!sync && ready.committedEntries.length > 0 && (ready.softState?.role ?? this.#state.role) === 'leader') {
          // A leader's commit: apply first, so the proposals' callers are answered (their
          // replies written) before the commit goes out to the followers — whose handling of
          // it would otherwise compete for the CPU with those replies. Nothing here waits on
          // the disk, so the order is free (only a commit index that needs no fsync is saved).
          if (ready.hardState !== undefined) await this.#storage.save(ready);
          if (this.#stopped) return;
          await this.#apply(ready);
          if (this.#stopped) return;
          this.#sendSoon(this.#holdCommits(ready.messages));
        } else if (ready.snapshot !== undefined || ready.entriesToPersist.length > 0 || ready.hardState !== undefined) {
          // A leader's appends and heartbeats go out before its own write (Raft thesis §10.2.1),
          // so that its fsync and the followers' overlap: the core counts the leader's own
          // acknowledgement only at advance(), after the write, so nothing commits on a copy
          // that is not durable. Votes and acknowledgements still wait (Raft Figure 2).
          const early = this.#leaderReplication(ready);
          if (early !== undefined) {
            this.#send(early);
            // One turn of the event loop, so that the transport puts them on the wire before a
            // synchronous fsync blocks the loop (FilePersistentStorage's does) — but only when
            // the write needs one: a Ready that only moves the commit index (the leader's, once
            // a quorum acknowledged) is not fsynced, and its entries are applied at once.
            if (sync) {
              await new Promise<void>((resolve) => setImmediate(resolve));
              if (this.#stopped) return;
            }
          }
          await this.#storage.save(ready); // durable before any vote or acknowledgement goes out (Raft Figure 2)
          if (this.#stopped) return;
          this.#send(early === undefined ? ready.messages : ready.messages.filter((m) => !isReplication(m)));
          await this.#apply(ready);
        } else {
          this.#send(ready.messages);
          await this.#apply(ready);
        }
        if (this.#stopped) return;
        this.#raft.advance();
        // Send is fire-and-forget: report snapshots delivered; a lost one is probed again.
        for (const message of ready.messages) if (message.type === 'snapshot') this.#raft.reportSnapshot(message.to, 'finish');
        await this.#maybeCompact();
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#driving = false; // set synchronously after the last hasReady() check: no input is missed
    }
  }

  /** Sends now, after whatever {@link RaftNode.#sendSoon} still holds (messages keep their order). */
  #send(messages: readonly Message[]): void {
    this.#flushSoon();
    if (messages.length > 0) this.#transport.send(this.#replaceHeld(messages));
  }

  // Keeps a commit's empty appends back for #commitHoldMs (one per follower, the newest), and
  // returns the other messages. An append carries the leader's commit index, and in the
  // replicate state an empty one is not counted in flight: dropping it for a newer one loses
  // nothing (a probe is never replaced: while it is out, the core sends that follower nothing).
  #holdCommits(messages: readonly Message[]): readonly Message[] {
    if (this.#commitHoldMs === 0) return messages;
    const rest: Message[] = [];
    for (const message of messages) {
      if (message.type === 'append' && message.entries.length === 0) this.#heldCommits.set(message.to, message);
      else rest.push(message);
    }
    if (this.#heldCommits.size > 0 && this.#heldTimer === undefined) {
      this.#heldTimer = this.#clock.setTimeout(() => {
        this.#heldTimer = undefined;
        if (!this.#stopped) this.#releaseHeld();
      }, this.#commitHoldMs);
    }
    return rest;
  }

  // An append to a follower that carries the held commit index (or a later one) replaces the
  // commit held for it. An older append (built before the commit moved, flushed after) does not:
  // the core counts the held commit as sent, so dropping it would leave the follower behind
  // until the next heartbeat.
  #replaceHeld(messages: readonly Message[]): readonly Message[] {
    if (this.#heldCommits.size === 0) return messages;
    for (const message of messages) {
      if (message.type !== 'append') continue;
      const held = this.#heldCommits.get(message.to);
      if (held !== undefined && held.type === 'append' && message.commit >= held.commit) this.#heldCommits.delete(message.to);
    }
    if (this.#heldCommits.size === 0 && this.#heldTimer !== undefined) {
      this.#clock.clearTimeout(this.#heldTimer);
      this.#heldTimer = undefined;
    }
    return messages;
  }

  #releaseHeld(): void {
    if (this.#heldCommits.size === 0) return;
    const messages = [...this.#heldCommits.values()];
    this.#heldCommits.clear();
    this.#transport.send(messages);
  }

  /** Sends at the end of this turn of the event loop, or before the next {@link RaftNode.#send}. */
  #sendSoon(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.#soon.push(...messages);
    if (this.#soonScheduled) return;
    this.#soonScheduled = true;
    setImmediate(() => {
      this.#soonScheduled = false;
      if (!this.#stopped) this.#flushSoon();
    });
  }

  #flushSoon(): void {
    if (this.#soon.length === 0) return;
    const messages = this.#soon;
    this.#soon = [];
    this.#transport.send(this.#replaceHeld(messages));
  }

  // The appends and heartbeats of a Ready that a leader may send before its write is durable:
  // it leads after this Ready, and the write changes neither its term nor its vote (the term
  // its messages carry must be durable first). Undefined when there are none, or they must wait.
  #leaderReplication(ready: Ready): readonly Message[] | undefined {
    if ((ready.softState?.role ?? this.#state.role) !== 'leader' || ready.snapshot !== undefined) return undefined;
    if (ready.hardState !== undefined) {
      const stored = this.#storage.initialState().hardState;
      if (ready.hardState.term !== stored.term || ready.hardState.vote !== stored.vote) return undefined;
    }
    const early = ready.messages.filter(isReplication);
    return early.length > 0 ? early : undefined;
  }

  async #apply(ready: Ready): Promise<void> {
    if (ready.snapshot !== undefined) {
      await this.#stateMachine.restore(ready.snapshot.data);
      this.#applied = this.#snapshotIndex = ready.snapshot.metadata.index;
      this.#confState = ready.snapshot.metadata.confState;
      for (const [index, pending] of this.#proposals) {
        if (index > this.#applied) continue;
        this.#proposals.delete(index);
        pending.reject(new RequestLostError('proposal', 'leadership-lost', index));
      }
    }
    for (const entry of ready.committedEntries) {
      await this.#applyEntry(entry);
      if (this.#stopped) return;
    }
    for (const { index, context } of ready.readStates) {
      const read = this.#reads.get(new TextDecoder().decode(context));
      if (read !== undefined) read.index = index;
    }
    this.#serveReads();
    if (ready.softState !== undefined) this.#roleChanged(ready.softState.role === 'leader', ready.softState.leaderId);
    if (ready.softState !== undefined || ready.hardState !== undefined) this.#noteState(ready);
  }

  #noteState(ready: Ready): void {
    const before = this.#state;
    const term = ready.hardState?.term ?? before.term;
    const role = ready.softState?.role ?? before.role;
    const leaderId = ready.softState === undefined ? before.leaderId : ready.softState.leaderId;
    if (term === before.term && role === before.role && leaderId === before.leaderId) return;
    const next: RaftNodeStateChange = Object.freeze({ term, leaderId, role });
    this.#state = next;
    try {
      this.#stateChanged.emit(next);
    } catch {
      // a listener's error must not stop the node
    }
    if (leaderId === before.leaderId) return;
    try {
      this.#leaderChanged.emit(next);
    } catch {
      // as above
    }
  }

  async #applyEntry(entry: Entry): Promise<void> {
    let result: unknown;
    if (entry.type === 'conf-change') {
      result = this.#raft.applyConfChange(decodeConfChange(entry.data));
      this.#confState = result as ConfState;
      await this.#storage.saveConfState(this.#confState);
    } else if (entry.data.byteLength > 0) {
      result = await this.#stateMachine.apply(entry.data, entry.index);
    }
    this.#applied = entry.index;
    const pending = this.#proposals.get(entry.index);
    if (pending === undefined) return;
    this.#proposals.delete(entry.index);
    if (pending.term === entry.term) pending.resolve(result);
    else pending.reject(new RequestLostError('proposal', 'overwritten', entry.index));
  }

  #serveReads(): void {
    for (const [context, read] of this.#reads) {
      if (read.index === undefined || read.index > this.#applied) continue;
      this.#reads.delete(context);
      read.resolve(read.index);
    }
  }

  #roleChanged(leading: boolean, leaderId: NodeId | undefined): void {
    if (this.#leading && !leading) {
      // Entries still pending may commit under the next leader, or not: the outcome is unknown.
      for (const [index, pending] of this.#proposals) pending.reject(new RequestLostError('proposal', 'leadership-lost', index));
      this.#proposals.clear();
    }
    if (leaderId !== this.#leaderId) {
      for (const [context, read] of this.#reads) {
        if (read.index !== undefined) continue; // confirmed: it only waits for this node to apply
        this.#reads.delete(context);
        read.reject(new RequestLostError('read', 'leadership-lost', undefined));
      }
    }
    this.#leading = leading;
    this.#leaderId = leaderId;
  }

  async #maybeCompact(): Promise<void> {
    if (this.#snapshotEvery === 0 || this.#applied - this.#snapshotIndex < this.#snapshotEvery) return;
    const index = this.#applied;
    const data = await this.#stateMachine.snapshot();
    await this.#storage.compact(index, this.#confState, data);
    this.#snapshotIndex = index;
  }

  #fail(error: unknown): void {
    this.#shutdown(new NodeStoppedError(error));
  }

  #shutdown(reason: NodeStoppedError): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#heldTimer !== undefined) this.#clock.clearTimeout(this.#heldTimer);
    this.#heldTimer = undefined;
    this.#heldCommits.clear();
    for (const pending of this.#proposals.values()) pending.reject(reason);
    for (const read of this.#reads.values()) read.reject(reason);
    this.#proposals.clear();
    this.#reads.clear();
    try {
      this.#stoppedEvent.emit(reason);
    } catch {
      // a listener's error must not break the stop
    }
  }
}

function isReplication(message: Message): boolean {
  return message.type === 'append' || message.type === 'heartbeat';
}
