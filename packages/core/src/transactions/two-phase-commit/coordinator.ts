import { type Backoff, exponentialBackoff } from '../../policies/backoff/backoff.js';
import { checkNonNegativeInteger, checkPositiveInteger } from '../../policies/validate.js';
import type { Random } from '../../time/random.js';
import { DuplicateTransactionError } from './errors/duplicate-transaction-error.js';
import type { TransactionMessage, TransactionVoteMessage } from './messages.js';
import type { AbortReason, Decision, ParticipantWork, PartyId, TxId, VoteReport } from './types.js';

/** A decision as a decision log holds it: the transaction, the outcome, who must hear it. */
export interface RecordedDecision {
  readonly txId: TxId;
  readonly decision: Decision;
  /** The participants phase two goes to (the yes voters for a commit). */
  readonly participants: readonly PartyId[];
}

/**
 * What the coordinator asks its decision log to do:
 * - `decision`: record it (a commit **forced**: durable before anything depends on it; an abort
 *   may be lazy — presumed abort), then tell the core which decision stands with
 *   {@link Coordinator.recorded} (the first one recorded for the transaction wins);
 * - `end`: every participant acknowledged; the log may forget the transaction (lazy END).
 */
export type CoordinatorRecord = ({ readonly type: 'decision' } & RecordedDecision) | { readonly type: 'end'; readonly txId: TxId };

/** How a transaction ended, as the coordinator reports it to the client. */
export interface TransactionOutcome {
  readonly txId: TxId;
  readonly status: 'committed' | 'aborted';
  /** Why it aborted. */
  readonly reason?: AbortReason;
  /** Each participant's vote (a participant that never voted is absent). */
  readonly votes: Readonly<Record<PartyId, VoteReport>>;
}

/**
 * A participant asked about (or voted yes on) a transaction this coordinator does not know: the
 * runtime answers from the decision log — the recorded decision, else it records and sends abort
 * (presumed abort; recording it first makes sure no other coordinator commits it later).
 */
export interface Inquiry {
  readonly txId: TxId;
  readonly from: PartyId;
}

/**
 * What to do now, in order: hand `records` to the decision log (each decision's answer goes back
 * through {@link Coordinator.recorded}); send `messages`; report `outcomes`; answer `inquiries`;
 * then call {@link Coordinator.advance}.
 */
export interface CoordinatorReady {
  readonly records: readonly CoordinatorRecord[];
  readonly messages: readonly TransactionMessage[];
  readonly outcomes: readonly TransactionOutcome[];
  readonly inquiries: readonly Inquiry[];
}

/** A transaction as {@link Coordinator.status} shows it (`GET /transactions/:id`). */
export interface TransactionStatus {
  readonly id: TxId;
  /** `'collecting'`: votes are coming in (or the decision is being recorded). `'unknown'`: not known here. */
  readonly status: 'collecting' | 'committed' | 'aborted' | 'unknown';
  readonly reason?: AbortReason;
  readonly votes: Readonly<Record<PartyId, VoteReport>>;
  readonly participants: readonly PartyId[];
  /** Committed, and participants that have not acknowledged yet (phase two under way). */
  readonly unacknowledged?: readonly PartyId[];
}

/** Test-only switches that break the protocol on purpose (the simulation must catch them). */
export interface CoordinatorBugs {
  /** Decide commit when the votes are in without waiting for a `no` to count (treats no as yes). */
  readonly ignoreNoVotes?: boolean;
}

/** Options of a pure {@link Coordinator}. */
export interface CoordinatorConfig {
  /** This coordinator's id (messages' `from`); required. */
  readonly id: PartyId;
  /**
   * This incarnation's epoch, greater than every earlier incarnation's (the decision log's
   * `recover()` hands one out); carried by prepares and decisions: participants refuse prepares
   * from an older epoch than one they saw (fencing). Required.
   */
  readonly epoch: number;
  /** Randomness for the resend backoff's jitter; required. */
  readonly random: Random;
  /** Ticks between re-sends of a prepare to participants that have not voted. Default 5. */
  readonly resendTicks?: number;
  /** Delays between re-sends of a commit to participants that have not acknowledged, in ticks; forever. Default exponential 5 → 100 ticks, equal jitter. */
  readonly backoff?: Backoff;
  /** How many finished transactions `status()` remembers. Default 10 000. */
  readonly maxFinished?: number;
  /** Decisions recorded and not ended (from the decision log's `recover()`): phase two resumes for them. */
  readonly pending?: readonly RecordedDecision[];
  /** Test-only. */
  readonly bugs?: CoordinatorBugs;
}

interface Tx {
  readonly id: TxId;
  readonly fingerprint: string | undefined;
  readonly order: number;
  readonly work: ReadonlyMap<PartyId, ParticipantWork>;
  readonly votes: Map<PartyId, VoteReport>;
  phase: 'collecting' | 'deciding' | 'committing';
  reason: AbortReason | undefined;
  /** Committing: the participants that must acknowledge, and those that have. */
  readonly needAck: Set<PartyId>;
  nextSendAt: number;
  attempt: number;
  lastDelay: number;
}

interface Finished {
  /** The work's {@link workFingerprint}; `undefined` for a transaction restored from the log (its work is unknown). */
  readonly fingerprint: string | undefined;
  readonly status: 'committed' | 'aborted';
  readonly reason: AbortReason | undefined;
  readonly votes: Readonly<Record<PartyId, VoteReport>>;
  readonly participants: readonly PartyId[];
}

/**
 * A canonical text of a transaction's work (participants sorted by id; each one's writes and
 * reads in order), to tell a retried `transact` (the same work) from a reused id.
 */
export function workFingerprint(participants: Readonly<Record<PartyId, ParticipantWork>>): string {
  return JSON.stringify(
    Object.keys(participants)
      .sort()
      .map((id) => {
        const w = participants[id] as ParticipantWork;
        return [id, w.writes.map((x) => [x.key, x.value]), [...(w.reads ?? [])]];
      }),
  );
}

const DEFAULT_BACKOFF = exponentialBackoff({ initialDelayMs: 5, maxDelayMs: 100, jitter: 'equal' });

/**
 * A two-phase commit coordinator as a pure state machine (the Raft core's shape): `begin`,
 * `step` (votes, acks, status queries), `recorded` (the decision log's answer), `abort`
 * (deadline), `tick`; then `ready()` and `advance()`. No I/O, timers or clock inside.
 *
 * Presumed abort (R*, Mohan, Lindsay & Obermarck 1986): nothing is logged before the prepares;
 * a commit is **forced** before any participant hears it (the core sends it only after
 * `recorded`); an abort need not be (a transaction the log does not know is aborted); END comes
 * lazily after every ack. Before the decision, it may abort at any time (a `no` vote, a
 * deadline); after it, it re-sends the decision until acknowledged, forever. All-read-only
 * transactions commit with no log write and no phase two.
 *
 * @example
 * const c = new Coordinator({ id: 'c', epoch: 1, random: Math.random });
 * c.begin('t1', { p1: { writes: [{ key: 'x', value: '1' }] }, p2: { writes: [{ key: 'y', value: '2' }] } });
 * const ready = c.ready(); // two prepares
 * c.advance();
 */
export class Coordinator {
  readonly id: PartyId;
  readonly epoch: number;
  readonly #random: Random;
  readonly #resendTicks: number;
  readonly #backoff: Backoff;
  readonly #maxFinished: number;
  readonly #bugs: CoordinatorBugs;
  readonly #txs = new Map<TxId, Tx>();
  readonly #finished = new Map<TxId, Finished>();
  #ticks = 0;
  #nextOrder = 0;
  #records: CoordinatorRecord[] = [];
  #messages: TransactionMessage[] = [];
  #outcomes: TransactionOutcome[] = [];
  #inquiries: Inquiry[] = [];
  #lastReady: CoordinatorReady | undefined;

  /** @throws {TypeError | RangeError} for a bad option, naming it */
  constructor(config: CoordinatorConfig) {
    if (typeof config !== 'object' || config === null) throw new TypeError('Coordinator: config must be an object');
    if (typeof config.id !== 'string' || config.id === '') throw new TypeError('Coordinator: config.id must be a non-empty string');
    if (typeof config.random !== 'function') throw new TypeError('Coordinator: config.random must be a function returning [0, 1)');
    this.id = config.id;
    this.epoch = checkNonNegativeInteger('Coordinator', 'epoch', config.epoch);
    this.#random = config.random;
    this.#resendTicks = checkPositiveInteger('Coordinator', 'resendTicks', config.resendTicks ?? 5);
    this.#maxFinished = checkPositiveInteger('Coordinator', 'maxFinished', config.maxFinished ?? 10_000);
    this.#backoff = config.backoff ?? DEFAULT_BACKOFF;
    this.#bugs = config.bugs ?? {};
    for (const decision of config.pending ?? []) this.#restore(decision);
  }

  /**
   * Starts a transaction: sends a prepare to each participant.
   *
   * @param order the transaction's age for the ordered lock policy (smaller is older); default a counter
   * @throws {DuplicateTransactionError} when `txId` is running here, or among the finished ones
   *   it remembers (see {@link Coordinator.finished}: a retry of the same work gets that outcome)
   * @throws {TypeError} when there are no participants, or one has neither writes nor reads
   */
  begin(txId: TxId, participants: Readonly<Record<PartyId, ParticipantWork>>, order?: number): void {
    if (this.#txs.has(txId)) throw new DuplicateTransactionError(txId);
    const done = this.#finished.get(txId);
    if (done !== undefined) throw new DuplicateTransactionError(txId, done.fingerprint === undefined || done.fingerprint === workFingerprint(participants) ? 'decided' : 'different-work');
    const work = new Map(Object.entries(participants));
    if (work.size === 0) throw new TypeError('Coordinator: begin() needs at least one participant');
    for (const [id, w] of work) {
      if (w.writes.length === 0 && (w.reads ?? []).length === 0) throw new TypeError(`Coordinator: participant ${id} has neither writes nor reads`);
    }
    const tx: Tx = {
      id: txId,
      fingerprint: workFingerprint(participants),
      order: order ?? this.#nextOrder++,
      work,
      votes: new Map(),
      phase: 'collecting',
      reason: undefined,
      needAck: new Set(),
      nextSendAt: this.#ticks + this.#resendTicks,
      attempt: 0,
      lastDelay: 0,
    };
    this.#txs.set(txId, tx);
    for (const to of work.keys()) this.#sendPrepare(tx, to);
  }

  /**
   * Handles a participant's message (`vote`, `ack`, `status`; others are ignored). Validate
   * untrusted input with `checkTransactionMessage` first.
   *
   * @throws {RangeError} when `message.to` is not this coordinator
   */
  step(message: TransactionMessage): void {
    if (message.to !== this.id) throw new RangeError(`Coordinator: message.to is ${JSON.stringify(message.to)}, but this coordinator is ${JSON.stringify(this.id)}`);
    if (message.type === 'vote') this.#vote(message);
    else if (message.type === 'ack') this.#ack(message.txId, message.from);
    else if (message.type === 'status') this.#status(message.txId, message.from);
  }

  /**
   * The decision log recorded a decision for `txId`; `standing` is the one that stands (the
   * first recorded — another coordinator's, if it got there first). Phase two starts now.
   */
  recorded(txId: TxId, standing: Decision): void {
    const tx = this.#txs.get(txId);
    if (tx?.phase !== 'deciding') return;
    if (standing === 'commit') {
      tx.phase = 'committing';
      for (const [id, vote] of tx.votes) if (vote.vote === 'yes') tx.needAck.add(id);
      if (tx.needAck.size === 0) for (const id of tx.work.keys()) tx.needAck.add(id); // overruled into commit: tell everyone
      for (const to of tx.needAck) this.#sendDecision(txId, 'commit', to);
      tx.nextSendAt = this.#ticks + this.#nextDelay(tx);
      this.#outcomes.push({ txId, status: 'committed', votes: Object.fromEntries(tx.votes) });
      return;
    }
    // Abort: tell everyone who may hold locks for it; no acks (presumed abort), forget at once.
    for (const to of tx.work.keys()) {
      const vote = tx.votes.get(to)?.vote;
      if (vote !== 'no' && vote !== 'read-only') this.#sendDecision(txId, 'abort', to);
    }
    const reason = tx.reason ?? 'aborted';
    this.#outcomes.push({ txId, status: 'aborted', reason, votes: Object.fromEntries(tx.votes) });
    this.#records.push({ type: 'end', txId });
    this.#forget(tx, 'aborted', reason);
  }

  /**
   * Aborts `txId` if no decision is being recorded yet (a deadline passed, or the caller asked).
   *
   * @returns `true` when it will abort; `false` when it is unknown here or the decision is already
   *   being recorded or made (then its outcome is whatever was recorded)
   */
  abort(txId: TxId, reason: AbortReason = 'requested'): boolean {
    const tx = this.#txs.get(txId);
    if (tx?.phase !== 'collecting') return false;
    this.#decide(tx, 'abort', reason);
    return true;
  }

  /** One unit of logical time: prepares re-sent to silent participants, commits to unacknowledged ones. */
  tick(): void {
    this.#ticks++;
    for (const tx of this.#txs.values()) {
      if (tx.nextSendAt > this.#ticks) continue;
      if (tx.phase === 'collecting') {
        for (const to of tx.work.keys()) if (!tx.votes.has(to)) this.#sendPrepare(tx, to);
        tx.nextSendAt = this.#ticks + this.#resendTicks;
      } else if (tx.phase === 'committing') {
        for (const to of tx.needAck) this.#sendDecision(tx.id, 'commit', to);
        tx.nextSendAt = this.#ticks + this.#nextDelay(tx);
      }
    }
  }

  /** Whether {@link Coordinator.ready} has something to hand out. */
  hasReady(): boolean {
    return this.#records.length + this.#messages.length + this.#outcomes.length + this.#inquiries.length > 0;
  }

  /** What to record, send and report now (see {@link CoordinatorReady}); the same until `advance()`. */
  ready(): CoordinatorReady {
    if (this.#lastReady !== undefined) return this.#lastReady;
    const ready: CoordinatorReady = { records: this.#records, messages: this.#messages, outcomes: this.#outcomes, inquiries: this.#inquiries };
    this.#records = [];
    this.#messages = [];
    this.#outcomes = [];
    this.#inquiries = [];
    this.#lastReady = ready;
    return ready;
  }

  /**
   * The last Ready was handled.
   *
   * @throws {Error} when no Ready is outstanding
   */
  advance(): void {
    if (this.#lastReady === undefined) throw new Error('Coordinator: advance() called without an outstanding ready()');
    this.#lastReady = undefined;
  }

  /** What this coordinator knows of `txId` (from memory: running, or among the last `maxFinished`). */
  status(txId: TxId): TransactionStatus {
    const tx = this.#txs.get(txId);
    if (tx !== undefined) {
      const base = { id: txId, votes: Object.fromEntries(tx.votes), participants: [...tx.work.keys()] };
      return tx.phase === 'committing' ? { ...base, status: 'committed', unacknowledged: [...tx.needAck] } : { ...base, status: 'collecting' };
    }
    const done = this.#finished.get(txId);
    if (done === undefined) return { id: txId, status: 'unknown', votes: {}, participants: [] };
    return { id: txId, status: done.status, ...(done.reason === undefined ? {} : { reason: done.reason }), votes: done.votes, participants: done.participants };
  }

  /**
   * How `txId` ended, if it is among the finished transactions remembered here (`maxFinished`):
   * its outcome, and whether `participants` is the same work (compared by
   * {@link workFingerprint}; `undefined` for a transaction restored from the log, whose work is unknown).
   */
  finished(txId: TxId, participants: Readonly<Record<PartyId, ParticipantWork>>): { readonly outcome: TransactionOutcome; readonly sameWork: boolean | undefined } | undefined {
    const done = this.#finished.get(txId);
    if (done === undefined) return undefined;
    const outcome: TransactionOutcome = { txId, status: done.status, ...(done.reason === undefined ? {} : { reason: done.reason }), votes: done.votes };
    return { outcome, sameWork: done.fingerprint === undefined ? undefined : done.fingerprint === workFingerprint(participants) };
  }

  /** Transactions running (collecting votes, recording a decision, or in phase two). */
  get activeCount(): number {
    return this.#txs.size;
  }

  /** The ids of running transactions. */
  active(): TxId[] {
    return [...this.#txs.keys()];
  }

  #vote(m: TransactionVoteMessage): void {
    const tx = this.#txs.get(m.txId);
    if (tx === undefined) {
      const done = this.#finished.get(m.txId);
      if (done !== undefined) {
        if (m.vote === 'yes') this.#sendDecision(m.txId, done.status === 'committed' ? 'commit' : 'abort', m.from);
      } else if (m.vote === 'yes') this.#inquiries.push({ txId: m.txId, from: m.from });
      return;
    }
    if (!tx.work.has(m.from)) return; // not a participant of this transaction
    if (tx.phase === 'committing') {
      // It voted again: it may have missed the commit.
      if (tx.needAck.has(m.from)) this.#sendDecision(tx.id, 'commit', m.from);
      return;
    }
    if (tx.phase !== 'collecting' || tx.votes.has(m.from)) return; // first vote counts
    tx.votes.set(m.from, { vote: m.vote, ...(m.reason === undefined ? {} : { reason: m.reason }), ...(m.reads === undefined ? {} : { reads: m.reads }) });
    if (m.vote === 'no' && this.#bugs.ignoreNoVotes !== true) {
      this.#decide(tx, 'abort', 'vote-no');
      return;
    }
    if (tx.votes.size < tx.work.size) return;
    if ([...tx.votes.values()].every((v) => v.vote === 'read-only')) {
      // Nobody writes: commit with no log write and no phase two.
      this.#outcomes.push({ txId: tx.id, status: 'committed', votes: Object.fromEntries(tx.votes) });
      this.#forget(tx, 'committed', undefined);
      return;
    }
    this.#decide(tx, 'commit', undefined);
  }

  #ack(txId: TxId, from: PartyId): void {
    const tx = this.#txs.get(txId);
    if (tx?.phase !== 'committing') return;
    tx.needAck.delete(from);
    if (tx.needAck.size > 0) return;
    this.#records.push({ type: 'end', txId });
    this.#forget(tx, 'committed', undefined);
  }

  #status(txId: TxId, from: PartyId): void {
    const tx = this.#txs.get(txId);
    if (tx !== undefined) {
      // Collecting: the re-sent prepare collects its vote; deciding: the decision follows.
      if (tx.phase === 'committing' && tx.needAck.has(from)) this.#sendDecision(txId, 'commit', from);
      return;
    }
    const done = this.#finished.get(txId);
    if (done !== undefined) this.#sendDecision(txId, done.status === 'committed' ? 'commit' : 'abort', from);
    else this.#inquiries.push({ txId, from });
  }

  #decide(tx: Tx, decision: Decision, reason: AbortReason | undefined): void {
    tx.phase = 'deciding';
    tx.reason = reason;
    const participants =
      decision === 'commit' ? [...tx.votes].filter(([, v]) => v.vote === 'yes').map(([id]) => id) : [...tx.work.keys()].filter((id) => tx.votes.get(id)?.vote !== 'no');
    this.#records.push({ type: 'decision', txId: tx.id, decision, participants });
  }

  #restore(decision: RecordedDecision): void {
    const work = new Map(decision.participants.map((id) => [id, { writes: [] } as ParticipantWork]));
    const tx: Tx = {
      id: decision.txId,
      fingerprint: undefined,
      order: this.#nextOrder++,
      work,
      votes: new Map(decision.participants.map((id) => [id, { vote: 'yes' } as VoteReport])),
      phase: 'deciding',
      reason: undefined,
      needAck: new Set(),
      nextSendAt: 0,
      attempt: 0,
      lastDelay: 0,
    };
    this.#txs.set(tx.id, tx);
    // Recorded already: phase two resumes at once (re-sent until acknowledged).
    this.recorded(tx.id, decision.decision);
    this.#outcomes = this.#outcomes.filter((o) => o.txId !== tx.id); // nobody is waiting for these
  }

  #sendPrepare(tx: Tx, to: PartyId): void {
    const work = tx.work.get(to) as ParticipantWork;
    this.#messages.push({ type: 'prepare', txId: tx.id, from: this.id, to, epoch: this.epoch, order: tx.order, writes: work.writes, reads: work.reads ?? [] });
  }

  #sendDecision(txId: TxId, decision: Decision, to: PartyId): void {
    this.#messages.push({ type: decision, txId, from: this.id, to, epoch: this.epoch });
  }

  #nextDelay(tx: Tx): number {
    tx.attempt++;
    tx.lastDelay = Math.max(1, Math.round(this.#backoff.delay(tx.attempt, tx.lastDelay, this.#random)));
    return tx.lastDelay;
  }

  #forget(tx: Tx, status: 'committed' | 'aborted', reason: AbortReason | undefined): void {
    this.#txs.delete(tx.id);
    this.#finished.set(tx.id, { fingerprint: tx.fingerprint, status, reason, votes: Object.fromEntries(tx.votes), participants: [...tx.work.keys()] });
    if (this.#finished.size > this.#maxFinished) this.#finished.delete(this.#finished.keys().next().value as TxId);
  }
}
