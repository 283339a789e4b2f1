import { type Backoff, exponentialBackoff } from '../../policies/backoff/backoff.js';
import { checkPositiveInteger } from '../../policies/validate.js';
import type { Random } from '../../time/random.js';
import { TransactionRecordError } from './errors/transaction-record-error.js';
import { type LockInfo, LockTable } from './lock-table.js';
import type { DecisionMessage, PrepareMessage, TransactionMessage } from './messages.js';
import type { ParticipantRecord } from './participant-record.js';
import type { AbortReason, PartyId, TxId, TxWrite } from './types.js';

/**
 * How a participant takes locks:
 * - `'no-wait'`: a key locked by another transaction makes the prepare vote no at once;
 * - `'ordered'`: wait-die by transaction order (the prepare's `order`, then `txId`): a prepare
 *   waits (up to `maxLockWaitTicks`) for holders *younger* than itself and dies (votes no) when an
 *   older one holds a key. Waits only ever go from older to younger, so no cycle — no deadlock,
 *   across participants too (Rosenkrantz, Stearns & Lewis 1978).
 */
export type LockPolicy = 'no-wait' | 'ordered';

/** Test-only switches that break the protocol on purpose (the simulation must catch them). */
export interface ParticipantBugs {
  /** Vote yes without forcing PREPARED first (the record is written but not synced). */
  readonly skipPreparedForce?: boolean;
}

/** Options of a pure {@link Participant}. */
export interface ParticipantConfig {
  /** This participant's id (messages' `to`); required. */
  readonly id: PartyId;
  /** Randomness for the in-doubt backoff's jitter; required. */
  readonly random: Random;
  /** Default `'no-wait'`. */
  readonly lockPolicy?: LockPolicy;
  /** `'ordered'` only: ticks a prepare may wait for locks before it votes no (`lock-timeout`). Default 20. */
  readonly maxLockWaitTicks?: number;
  /** Ticks a prepared transaction waits for the decision before it asks the coordinator. Default 10. */
  readonly inDoubtAfterTicks?: number;
  /**
   * The delays between status queries of an in-doubt transaction (and between retries of a failed
   * apply), **in ticks**; it asks forever. Default `exponentialBackoff({ initialDelayMs: 2,
   * maxDelayMs: 50, jitter: 'equal' })` read as ticks.
   */
  readonly backoff?: Backoff;
  /** How many finished transactions' outcomes it remembers (to answer duplicates). Default 10 000. */
  readonly maxFinished?: number;
  /** The log's records, to rebuild the state after a restart (see `ParticipantRecord`). */
  readonly records?: readonly ParticipantRecord[];
  /** Test-only. */
  readonly bugs?: ParticipantBugs;
}

/**
 * Work for the runtime besides records and messages:
 * - `read`: read `keys` from the store and call `readDone` (or `readFailed`);
 * - `apply`: apply the committed `writes` to the store — **idempotent by `txId`**: after a crash
 *   between the apply and its record, the same writes come again — then call `applied` (or
 *   `applyFailed`, and it is retried with backoff).
 */
export type ParticipantEffect =
  | { readonly type: 'read'; readonly txId: TxId; readonly keys: readonly string[] }
  | { readonly type: 'apply'; readonly txId: TxId; readonly writes: readonly TxWrite[] };

/**
 * What to do now, in order: append `records` to the log and, when `sync`, make them durable;
 * then send `messages` (they may depend on the records: a yes vote on its PREPARED, an ack on
 * its COMMITTED); then start `effects`; then call {@link Participant.advance}.
 */
export interface ParticipantReady {
  readonly records: readonly ParticipantRecord[];
  readonly sync: boolean;
  readonly messages: readonly TransactionMessage[];
  readonly effects: readonly ParticipantEffect[];
}

/** A prepared transaction waiting for its decision (in doubt), as `inDoubt()` shows it. */
export interface InDoubtTransaction {
  readonly txId: TxId;
  readonly coordinator: PartyId;
  readonly epoch: number;
  /** The redo: what commit applies. */
  readonly writes: readonly TxWrite[];
  /** The undo: the written keys' values before the transaction (`null`: absent). */
  readonly undo: readonly TxWrite[];
  /** Status queries sent so far. */
  readonly queries: number;
  /** `'applying'`: the commit arrived and the writes are being applied. */
  readonly state: 'prepared' | 'applying';
}

/** Protocol anomalies seen (each is a peer's bug or a stale message; logged loudly by the runtime). */
export interface ParticipantAnomalies {
  /** Commits for transactions unknown here (acknowledged: presumably committed and forgotten). */
  readonly unknownCommits: number;
  /** A decision contradicting what this participant did (commit after it aborted, or before it voted). Never in a correct run. */
  readonly conflictingDecisions: number;
}

type PreparedRecord = Extract<ParticipantRecord, { type: 'prepared' }>;

type Entry =
  | { state: 'waiting'; readonly prepare: PrepareMessage; readonly since: number }
  | { state: 'reading'; readonly prepare: PrepareMessage }
  | { state: 'prepared'; readonly record: PreparedRecord; askAt: number; queries: number; lastDelay: number }
  | { state: 'applying'; readonly record: PreparedRecord; queries: number; retryAt: number | undefined; attempt: number; lastDelay: number };

type Outcome = 'committed' | 'aborted' | 'read-only';

const DEFAULT_BACKOFF = exponentialBackoff({ initialDelayMs: 2, maxDelayMs: 50, jitter: 'equal' });

/**
 * A two-phase commit participant as a pure state machine (the Raft core's shape): feed it with
 * {@link Participant.step} (messages), {@link Participant.tick} (logical time), and the effects'
 * results (`readDone`, `applied`, …); take {@link Participant.ready}; acknowledge with
 * {@link Participant.advance}. No I/O, timers or clock inside. Presumed abort (R*, Mohan et
 * al. 1986):
 *
 * - a prepare locks its keys (see {@link LockPolicy}), reads the before-images and read keys,
 *   then **forces** PREPARED (redo, undo, coordinator, epoch) and only then votes yes;
 * - it aborts on its own only before voting (lock conflict, lock timeout, stale epoch, store failure);
 * - commit: apply the writes, **force** COMMITTED, release the locks, ack; abort: release,
 *   record ABORTED lazily. Both idempotent by `txId`; a late prepare after an abort votes no;
 * - a prepared transaction keeps its locks and asks the coordinator (`status`) when it hears
 *   nothing for `inDoubtAfterTicks`, and after a restart, with backoff, forever; it never decides alone.
 *
 * @example
 * const p = new Participant({ id: 'p1', random: Math.random, records: replayed });
 * p.step(prepareMessage);
 * const ready = p.ready(); // effects: [{ type: 'read', … }]
 * // … read, then p.readDone(txId, values); next ready(): PREPARED (sync) and the yes vote
 * p.advance();
 */
export class Participant {
  readonly id: PartyId;
  readonly #random: Random;
  readonly #policy: LockPolicy;
  readonly #maxWait: number;
  readonly #inDoubtAfter: number;
  readonly #backoff: Backoff;
  readonly #maxFinished: number;
  readonly #bugs: ParticipantBugs;
  readonly #locks = new LockTable();
  readonly #entries = new Map<TxId, Entry>();
  readonly #finished = new Map<TxId, Outcome>();
  readonly #maxEpoch = new Map<PartyId, number>();
  #ticks = 0;
  #records: ParticipantRecord[] = [];
  #sync = false;
  #messages: TransactionMessage[] = [];
  #effects: ParticipantEffect[] = [];
  #pending = false;
  #unknownCommits = 0;
  #conflicting = 0;

  /** @throws {TypeError | RangeError} for a bad option; {@link TransactionRecordError} for inconsistent records */
  constructor(config: ParticipantConfig) {
    if (typeof config !== 'object' || config === null) throw new TypeError('Participant: config must be an object');
    if (typeof config.id !== 'string' || config.id === '') throw new TypeError('Participant: config.id must be a non-empty string');
    if (typeof config.random !== 'function') throw new TypeError('Participant: config.random must be a function returning [0, 1)');
    const policy = config.lockPolicy ?? 'no-wait';
    if (policy !== 'no-wait' && policy !== 'ordered') throw new TypeError(`Participant: config.lockPolicy must be 'no-wait' or 'ordered', got ${String(policy)}`);
    this.id = config.id;
    this.#random = config.random;
    this.#policy = policy;
    this.#maxWait = checkPositiveInteger('Participant', 'maxLockWaitTicks', config.maxLockWaitTicks ?? 20);
    this.#inDoubtAfter = checkPositiveInteger('Participant', 'inDoubtAfterTicks', config.inDoubtAfterTicks ?? 10);
    this.#maxFinished = checkPositiveInteger('Participant', 'maxFinished', config.maxFinished ?? 10_000);
    this.#backoff = config.backoff ?? DEFAULT_BACKOFF;
    this.#bugs = config.bugs ?? {};
    (config.records ?? []).forEach((record, index) => this.#replay(record, index));
    // After a restart every prepared transaction is in doubt: ask at once (then with backoff).
    for (const entry of this.#entries.values()) if (entry.state === 'prepared') entry.askAt = 0;
    this.#askDue();
  }

  /**
   * Handles a message addressed to this participant (`prepare`, `commit`, `abort`; other types are
   * ignored). Validate untrusted input with `checkTransactionMessage` first.
   *
   * @throws {RangeError} when `message.to` is another participant
   */
  step(message: TransactionMessage): void {
    if (message.to !== this.id) throw new RangeError(`Participant: message.to is ${JSON.stringify(message.to)}, but this participant is ${JSON.stringify(this.id)}`);
    if (message.type === 'prepare') this.#prepare(message);
    else if (message.type === 'commit') this.#commit(message);
    else if (message.type === 'abort') this.#abort(message);
  }

  /** One unit of logical time: lock waits expire, in-doubt transactions ask, failed applies retry. */
  tick(): void {
    this.#ticks++;
    let released = false;
    for (const [txId, entry] of this.#entries) {
      if (entry.state === 'waiting' && this.#ticks - entry.since >= this.#maxWait) {
        this.#entries.delete(txId);
        this.#voteNo(entry.prepare, 'lock-timeout');
        released = true;
      } else if (entry.state === 'applying' && entry.retryAt !== undefined && entry.retryAt <= this.#ticks) {
        entry.retryAt = undefined;
        this.#effects.push({ type: 'apply', txId, writes: entry.record.writes });
      }
    }
    if (released) this.#grantWaiters();
    this.#askDue();
  }

  /** The store read the keys of `txId`'s `read` effect: `values[key]` is the value, `null` when absent. */
  readDone(txId: TxId, values: Readonly<Record<string, string | null>>): void {
    const entry = this.#entries.get(txId);
    if (entry?.state !== 'reading') return; // aborted meanwhile
    const { prepare } = entry;
    // defineProperty and hasOwn: a key named "__proto__" (or "constructor") is data, not the prototype.
    const valueOf = (key: string): string | null => (Object.hasOwn(values, key) ? (values[key] ?? null) : null);
    const readValues: Record<string, string | null> = {};
    for (const key of prepare.reads) Object.defineProperty(readValues, key, { value: valueOf(key), enumerable: true, writable: true, configurable: true });
    if (prepare.writes.length === 0) {
      // Read-only: nothing to commit; release the read locks and drop out of phase two.
      this.#entries.delete(txId);
      this.#locks.release(txId);
      this.#finish(txId, 'read-only');
      this.#messages.push({ type: 'vote', txId, from: this.id, to: prepare.from, vote: 'read-only', reads: readValues });
      this.#grantWaiters();
      return;
    }
    const record: PreparedRecord = {
      type: 'prepared',
      txId,
      coordinator: prepare.from,
      epoch: prepare.epoch,
      order: prepare.order,
      writes: prepare.writes,
      reads: prepare.reads,
      undo: prepare.writes.map((w) => ({ key: w.key, value: valueOf(w.key) })),
      readValues,
    };
    this.#records.push(record);
    // The yes vote may go only once PREPARED is durable (the forced write of 2PC).
    if (this.#bugs.skipPreparedForce !== true) this.#sync = true;
    this.#entries.set(txId, { state: 'prepared', record, askAt: this.#ticks + this.#inDoubtAfter, queries: 0, lastDelay: 0 });
    this.#messages.push({ type: 'vote', txId, from: this.id, to: prepare.from, vote: 'yes', reads: readValues });
  }

  /** The store failed to read: the participant has not voted, so it votes no (`store-failed`). */
  readFailed(txId: TxId): void {
    const entry = this.#entries.get(txId);
    if (entry?.state !== 'reading') return;
    this.#entries.delete(txId);
    this.#voteNo(entry.prepare, 'store-failed');
    this.#grantWaiters();
  }

  /** The store applied `txId`'s committed writes (durably): COMMITTED is forced, locks released, ack sent. */
  applied(txId: TxId): void {
    const entry = this.#entries.get(txId);
    if (entry?.state !== 'applying') return;
    this.#entries.delete(txId);
    this.#records.push({ type: 'committed', txId });
    this.#sync = true; // before the ack: once acked, the coordinator may forget the transaction
    this.#locks.release(txId);
    this.#finish(txId, 'committed');
    this.#messages.push({ type: 'ack', txId, from: this.id, to: entry.record.coordinator });
    this.#grantWaiters();
  }

  /** The store failed to apply: the decision stands, so the apply is retried after a backoff. */
  applyFailed(txId: TxId): void {
    const entry = this.#entries.get(txId);
    if (entry?.state !== 'applying') return;
    entry.attempt++;
    entry.lastDelay = this.#delay(entry.attempt, entry.lastDelay);
    entry.retryAt = this.#ticks + entry.lastDelay;
  }

  /** Whether {@link Participant.ready} has something to hand out. */
  hasReady(): boolean {
    return this.#records.length > 0 || this.#messages.length > 0 || this.#effects.length > 0;
  }

  /** What to persist, send and do now (see {@link ParticipantReady}); the same until `advance()`. */
  ready(): ParticipantReady {
    if (this.#pending && this.#lastReady !== undefined) return this.#lastReady;
    const ready: ParticipantReady = { records: this.#records, sync: this.#sync, messages: this.#messages, effects: this.#effects };
    this.#records = [];
    this.#sync = false;
    this.#messages = [];
    this.#effects = [];
    this.#pending = true;
    this.#lastReady = ready;
    return ready;
  }

  #lastReady: ParticipantReady | undefined;

  /**
   * The last Ready was handled (records durable, messages sent, effects started).
   *
   * @throws {Error} when no Ready is outstanding
   */
  advance(): void {
    if (!this.#pending) throw new Error('Participant: advance() called without an outstanding ready()');
    this.#pending = false;
    this.#lastReady = undefined;
  }

  /** Prepared transactions waiting for their decision (in doubt), oldest first. */
  inDoubt(): InDoubtTransaction[] {
    const out: InDoubtTransaction[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'prepared' && entry.state !== 'applying') continue;
      const { txId, coordinator, epoch, writes, undo } = entry.record;
      out.push({ txId, coordinator, epoch, writes, undo, queries: entry.queries, state: entry.state });
    }
    return out;
  }

  /** The keys locked now, by whom. */
  locks(): LockInfo[] {
    return this.#locks.list();
  }

  /** What this participant knows of `txId`: in progress (its state), finished (its outcome), or `undefined`. */
  transactionState(txId: TxId): Entry['state'] | Outcome | undefined {
    return this.#entries.get(txId)?.state ?? this.#finished.get(txId);
  }

  /** Transactions in progress here (waiting for locks, reading, prepared or applying). */
  get activeCount(): number {
    return this.#entries.size;
  }

  /** Protocol anomalies seen so far. */
  anomalies(): ParticipantAnomalies {
    return { unknownCommits: this.#unknownCommits, conflictingDecisions: this.#conflicting };
  }

  /**
   * The records a compacted log must keep: the highest epoch seen from each coordinator
   * (fencing), PREPARED for every transaction in doubt, and the remembered outcomes (so
   * duplicates are still answered after a restart).
   */
  liveRecords(): ParticipantRecord[] {
    const live: ParticipantRecord[] = [];
    for (const [coordinator, epoch] of this.#maxEpoch) live.push({ type: 'epoch', coordinator, epoch });
    for (const [txId, outcome] of this.#finished) if (outcome !== 'read-only') live.push({ type: outcome, txId });
    for (const entry of this.#entries.values()) if (entry.state === 'prepared' || entry.state === 'applying') live.push(entry.record);
    return live;
  }

  #prepare(m: PrepareMessage): void {
    const done = this.#finished.get(m.txId);
    if (done !== undefined) {
      // A duplicate or late prepare: answer what happened (a late one after an abort hears no).
      if (done === 'aborted') this.#messages.push({ type: 'vote', txId: m.txId, from: this.id, to: m.from, vote: 'no', reason: 'aborted' });
      else this.#messages.push({ type: 'vote', txId: m.txId, from: this.id, to: m.from, vote: done === 'committed' ? 'yes' : 'read-only' });
      return;
    }
    const entry = this.#entries.get(m.txId);
    if (entry !== undefined) {
      if (entry.state === 'prepared' || entry.state === 'applying') {
        this.#messages.push({ type: 'vote', txId: m.txId, from: this.id, to: m.from, vote: 'yes', reads: entry.record.readValues });
      }
      return; // waiting or reading: the vote comes when it is ready
    }
    const known = this.#maxEpoch.get(m.from) ?? 0;
    if (m.epoch < known) {
      this.#voteNo(m, 'stale-epoch'); // fencing: an older incarnation of the coordinator
      return;
    }
    if (m.epoch > known) {
      this.#maxEpoch.set(m.from, m.epoch);
      // Lazy: it rides on the next forced write (this prepare's PREPARED, if it votes yes). A
      // crash before that loses only a rise no yes vote depended on yet.
      this.#records.push({ type: 'epoch', coordinator: m.from, epoch: m.epoch });
    }
    this.#tryLock(m, Infinity);
    // A new holder may be older than a waiter, which must then die rather than wait (wait-die).
    if (this.#policy === 'ordered') this.#grantWaiters();
  }

  // Takes the locks, waits (ordered), or votes no. `since` is the tick the wait began (new: now).
  #tryLock(m: PrepareMessage, since: number): boolean {
    const writes = m.writes.map((w) => w.key);
    const blockers = this.#locks.conflicts(m.txId, m.reads, writes);
    if (blockers.length === 0) {
      this.#locks.acquire(m.txId, m.reads, writes);
      this.#entries.set(m.txId, { state: 'reading', prepare: m });
      this.#effects.push({ type: 'read', txId: m.txId, keys: [...new Set([...writes, ...m.reads])] });
      return true;
    }
    if (this.#policy === 'no-wait' || blockers.some((b) => this.#older(b, m))) {
      this.#entries.delete(m.txId);
      this.#voteNo(m, 'lock-conflict');
      return true;
    }
    if (since === Infinity) this.#entries.set(m.txId, { state: 'waiting', prepare: m, since: this.#ticks });
    return false;
  }

  // Whether holder `txId` is older than the requester (wait-die: the younger requester dies).
  #older(txId: TxId, m: PrepareMessage): boolean {
    const entry = this.#entries.get(txId);
    if (entry === undefined) return false;
    const order = entry.state === 'waiting' || entry.state === 'reading' ? entry.prepare.order : entry.record.order;
    return order < m.order || (order === m.order && txId < m.txId);
  }

  // After locks were released: waiters in age order take their locks, die, or keep waiting.
  #grantWaiters(): void {
    const waiting = [...this.#entries.values()]
      .filter((e): e is Extract<Entry, { state: 'waiting' }> => e.state === 'waiting')
      .sort((a, b) => a.prepare.order - b.prepare.order || (a.prepare.txId < b.prepare.txId ? -1 : 1));
    for (const entry of waiting) this.#tryLock(entry.prepare, entry.since);
  }

  #commit(m: DecisionMessage): void {
    const entry = this.#entries.get(m.txId);
    if (entry?.state === 'prepared') {
      this.#entries.set(m.txId, { state: 'applying', record: entry.record, queries: entry.queries, retryAt: undefined, attempt: 0, lastDelay: 0 });
      this.#effects.push({ type: 'apply', txId: m.txId, writes: entry.record.writes });
      return;
    }
    if (entry?.state === 'applying') return; // a duplicate: the apply is under way
    if (entry !== undefined) {
      this.#conflicting++; // a commit before this participant voted: a coordinator bug
      return;
    }
    const done = this.#finished.get(m.txId);
    if (done === 'aborted') {
      this.#conflicting++;
      return;
    }
    if (done === undefined) this.#unknownCommits++; // presumably committed here and forgotten
    this.#messages.push({ type: 'ack', txId: m.txId, from: this.id, to: m.from });
  }

  #abort(m: DecisionMessage): void {
    const entry = this.#entries.get(m.txId);
    if (entry?.state === 'applying') {
      this.#conflicting++;
      return;
    }
    if (entry !== undefined) {
      this.#entries.delete(m.txId);
      if (entry.state === 'prepared') this.#records.push({ type: 'aborted', txId: m.txId }); // lazy: presumed abort
      this.#locks.release(m.txId);
      this.#finish(m.txId, 'aborted');
      this.#grantWaiters();
      return;
    }
    const done = this.#finished.get(m.txId);
    if (done === 'committed') this.#conflicting++;
    else if (done === undefined) this.#finish(m.txId, 'aborted'); // so that a late prepare votes no
  }

  #voteNo(m: PrepareMessage, reason: AbortReason): void {
    this.#locks.release(m.txId);
    this.#finish(m.txId, 'aborted');
    this.#messages.push({ type: 'vote', txId: m.txId, from: this.id, to: m.from, vote: 'no', reason });
  }

  #askDue(): void {
    for (const [txId, entry] of this.#entries) {
      if (entry.state !== 'prepared' || entry.askAt > this.#ticks) continue;
      entry.queries++;
      entry.lastDelay = this.#delay(entry.queries, entry.lastDelay);
      entry.askAt = this.#ticks + entry.lastDelay;
      this.#messages.push({ type: 'status', txId, from: this.id, to: entry.record.coordinator });
    }
  }

  #delay(attempt: number, previous: number): number {
    return Math.max(1, Math.round(this.#backoff.delay(attempt, previous, this.#random)));
  }

  #finish(txId: TxId, outcome: Outcome): void {
    this.#finished.delete(txId);
    this.#finished.set(txId, outcome);
    if (this.#finished.size > this.#maxFinished) this.#finished.delete(this.#finished.keys().next().value as TxId);
  }

  #replay(record: ParticipantRecord, index: number): void {
    if (record.type === 'epoch') {
      this.#maxEpoch.set(record.coordinator, Math.max(this.#maxEpoch.get(record.coordinator) ?? 0, record.epoch));
      return;
    }
    if (record.type === 'prepared') {
      const writes = record.writes.map((w) => w.key);
      if (this.#locks.conflicts(record.txId, record.reads, writes).length > 0) {
        throw new TransactionRecordError('participant', index, `${record.txId} is prepared with keys another prepared transaction holds`);
      }
      this.#finished.delete(record.txId);
      this.#locks.acquire(record.txId, record.reads, writes);
      this.#entries.set(record.txId, { state: 'prepared', record, askAt: 0, queries: 0, lastDelay: 0 });
      this.#maxEpoch.set(record.coordinator, Math.max(this.#maxEpoch.get(record.coordinator) ?? 0, record.epoch));
      return;
    }
    this.#entries.delete(record.txId);
    this.#locks.release(record.txId);
    this.#finish(record.txId, record.type);
  }
}
