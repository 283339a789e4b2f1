import { type Backoff, exponentialBackoff } from '../../policies/backoff/backoff.js';
import { checkPositive, show } from '../../policies/validate.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { answerStatusQuery } from './answer-status-query.js';
import { isRecordLogFailedError } from '../log/record-log-failed-error.js';
import { Coordinator, type CoordinatorRecord, type TransactionOutcome, type TransactionStatus } from './coordinator.js';
import type { DecisionLog } from './decision-log.js';
import { DuplicateTransactionError } from './errors/duplicate-transaction-error.js';
import { TransactionInDoubtError } from './errors/transaction-in-doubt-error.js';
import { TransactionStoppedError } from './errors/transaction-stopped-error.js';
import { MESSAGE_LIMITS, type TransactionMessage, checkTransactionMessage } from './messages.js';
import type { AbortReason, ParticipantWork, PartyId, TxId, TxWrite, VoteReport } from './types.js';

/** How a runtime hands a message to the network. Sending may fail or lose it: the protocol re-sends. */
export interface TransactionTransport {
  send(message: TransactionMessage): void;
}

/** Options of {@link TwoPhaseCoordinator.open}. */
export interface TwoPhaseCoordinatorOptions {
  /** This coordinator's id (the participants answer to it); required. */
  readonly id: PartyId;
  /** Where decisions go: `FileDecisionLog.open({ dir })`, or the cluster's replicated one; required. */
  readonly decisionLog: DecisionLog;
  /** Required. */
  readonly transport: TransactionTransport;
  /** Timers for ticks and deadlines; required (`systemClock`, or `ManualClock` in tests). */
  readonly clock: Clock;
  /** Randomness for backoff jitter and generated ids; required (`systemRandom`, `seededRandom(seed)`). */
  readonly random: Random;
  /** Milliseconds per protocol tick (re-sends). Default 50. */
  readonly tickMs?: number;
  /** A transaction's deadline when `transact` gives none, in ms. Default 5000. */
  readonly defaultTimeoutMs?: number;
  /** Ticks between re-sent prepares. Default 5. */
  readonly resendTicks?: number;
  /** Delays between re-sent commits, in ticks. Default exponential 5 → 100 ticks. */
  readonly resendBackoff?: Backoff;
  /** Delays between retries of a decision the log failed to record, in ms; forever. Default exponential 50 ms → 5 s. */
  readonly recordBackoff?: Backoff;
}

/** What {@link TwoPhaseCoordinator.transact} runs. */
export interface TransactionRequest {
  /** The transaction id (an idempotency key); default a random one. */
  readonly id?: TxId;
  /** The work of each participant, by participant id; at least one. */
  readonly participants: Readonly<Record<PartyId, { readonly writes: readonly TxWrite[]; readonly reads?: readonly string[] }>>;
  /**
   * The deadline in ms (default `defaultTimeoutMs`): if the votes are not all in by then the
   * transaction aborts (`reason: 'timeout'`); if its decision is being recorded, the call rejects
   * with {@link TransactionInDoubtError} (the outcome is unknown to the caller, not lost).
   */
  readonly timeoutMs?: number;
}

/** The outcome of {@link TwoPhaseCoordinator.transact}. */
export interface TransactionResult {
  readonly id: TxId;
  readonly status: 'committed' | 'aborted';
  readonly reason?: AbortReason;
  readonly votes: Readonly<Record<PartyId, VoteReport>>;
}

interface Waiting {
  readonly resolve: (result: TransactionResult) => void;
  readonly reject: (error: unknown) => void;
  readonly deadline: TimerHandle;
  readonly timeoutMs: number;
  /** The deadline passed and the core is aborting it: a failing abort record must not hold the caller past it. */
  expired: boolean;
}

const DEFAULT_RECORD_BACKOFF = exponentialBackoff({ initialDelayMs: 50, maxDelayMs: 5000 });

/**
 * Runs a two-phase commit {@link Coordinator}: ticks from the clock, decisions through a
 * {@link DecisionLog}, messages through a transport. One drive loop: take the core's Ready,
 * record its decisions (a commit durable before it is sent: the core sends it only once the log
 * answered), send its messages, settle the callers, answer inquiries from the decision log,
 * advance. A restarted coordinator (`open` again on the same log) gets a new epoch and resumes
 * phase two of every decision not ended.
 *
 * @example
 * const coordinator = await TwoPhaseCoordinator.open({ id: 'c', decisionLog: FileDecisionLog.open({ dir }), transport, clock: systemClock, random: systemRandom });
 * const result = await coordinator.transact({ participants: { a: { writes: [{ key: 'x', value: '1' }] }, b: { writes: [{ key: 'y', value: '2' }] } } });
 * result.status; // 'committed' or 'aborted' (with a reason)
 */
export class TwoPhaseCoordinator {
  readonly id: PartyId;
  readonly #core: Coordinator;
  readonly #log: DecisionLog;
  readonly #transport: TransactionTransport;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #tickMs: number;
  readonly #defaultTimeoutMs: number;
  readonly #recordBackoff: Backoff;
  readonly #waiting = new Map<TxId, Waiting>();
  /** Caller-given ids whose decision-log lookup is under way (a second transact with one is a duplicate). */
  readonly #starting = new Set<TxId>();
  /** Armed retry timers of failed records (cleared by stop). */
  readonly #retryTimers = new Set<TimerHandle>();
  #tickTimer: TimerHandle | undefined;
  #driving = false;
  #stopped = false;
  #failure: unknown;
  #pendingRecords = 0;
  #seq = 0;

  private constructor(options: TwoPhaseCoordinatorOptions, core: Coordinator, tickMs: number, defaultTimeoutMs: number) {
    this.id = options.id;
    this.#core = core;
    this.#log = options.decisionLog;
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#random = options.random;
    this.#tickMs = tickMs;
    this.#defaultTimeoutMs = defaultTimeoutMs;
    this.#recordBackoff = options.recordBackoff ?? DEFAULT_RECORD_BACKOFF;
    this.#armTick();
    this.#kick();
  }

  /**
   * Recovers the decision log (a new epoch; phase two resumes for decisions not ended) and starts.
   *
   * @throws {TypeError | RangeError} for a missing or bad option, naming it
   * @throws whatever the decision log's `recover()` throws
   */
  static async open(options: TwoPhaseCoordinatorOptions): Promise<TwoPhaseCoordinator> {
    if (typeof options !== 'object' || options === null) throw new TypeError('TwoPhaseCoordinator: options must be an object');
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError('TwoPhaseCoordinator: options.id must be a non-empty string');
    for (const [name, value, method] of [
      ['decisionLog', options.decisionLog, 'record'],
      ['transport', options.transport, 'send'],
      ['clock', options.clock, 'setTimeout'],
    ] as const) {
      if (typeof (value as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
        throw new TypeError(`TwoPhaseCoordinator: options.${name} is required (an object with ${method}())`);
      }
    }
    if (typeof options.random !== 'function') throw new TypeError('TwoPhaseCoordinator: options.random must be a function returning [0, 1)');
    const tickMs = checkPositive('TwoPhaseCoordinator', 'tickMs', options.tickMs ?? 50);
    const defaultTimeoutMs = checkPositive('TwoPhaseCoordinator', 'defaultTimeoutMs', options.defaultTimeoutMs ?? 5000);
    const { epoch, pending } = await options.decisionLog.recover();
    const core = new Coordinator({
      id: options.id,
      epoch,
      random: options.random,
      pending,
      ...(options.resendTicks === undefined ? {} : { resendTicks: options.resendTicks }),
      ...(options.resendBackoff === undefined ? {} : { backoff: options.resendBackoff }),
    });
    return new TwoPhaseCoordinator(options, core, tickMs, defaultTimeoutMs);
  }

  /** This incarnation's epoch (from the decision log). */
  get epoch(): number {
    return this.#core.epoch;
  }

  /**
   * Runs one transaction: prepare at every participant, then commit if all voted yes (or
   * read-only), else abort. Resolves with the outcome, `'aborted'` with a reason included.
   *
   * Idempotent by `id`: a `transact` with the id of a transaction that finished here (among the
   * last `maxFinished`, 10 000) and the **same work** (participants, writes, reads) resolves with
   * its stored outcome and runs nothing; with different work it rejects with
   * {@link DuplicateTransactionError} (`reason: 'different-work'`). For a caller-given id this
   * coordinator does not remember, it asks `decisionLog.lookup(id)` first: a recorded decision
   * (the transaction finished before a restart, or on another coordinator; its work cannot be
   * compared) rejects with `reason: 'decided'`. The window: a transaction whose decision the log
   * no longer holds (ended, and evicted from `FileDecisionLog`'s ended history) and that this
   * coordinator forgot runs again — keep ids unique beyond those bounds.
   *
   * @throws {TypeError | RangeError} for a malformed request, naming the field
   * @throws {DuplicateTransactionError} when `id` is running here, finished here with other work, or already decided
   * @throws {TransactionInDoubtError} when the deadline passed while the decision was being recorded (outcome unknown)
   * @throws {TransactionStoppedError} when the coordinator stopped first
   * @throws whatever `decisionLog.lookup` throws, for a caller-given id it does not remember
   */
  transact(request: TransactionRequest): Promise<TransactionResult> {
    if (this.#stopped) return Promise.reject(new TransactionStoppedError('coordinator', this.#failure));
    let txId: TxId;
    let participants: Record<PartyId, ParticipantWork>;
    let timeoutMs: number;
    try {
      ({ txId, participants, timeoutMs } = this.#checkRequest(request));
    } catch (error) {
      return Promise.reject(error);
    }
    const known = this.#known(txId, participants);
    if (known !== undefined) return known;
    // A generated id is new; a caller's may have been decided before this coordinator's memory.
    if (request.id === undefined) return this.#begin(txId, participants, timeoutMs);
    this.#starting.add(txId);
    return this.#log.lookup(txId).then(
      (decided) => {
        this.#starting.delete(txId);
        if (this.#stopped) throw new TransactionStoppedError('coordinator', this.#failure);
        const again = this.#known(txId, participants);
        if (again !== undefined) return again;
        if (decided !== undefined) throw new DuplicateTransactionError(txId, 'decided');
        return this.#begin(txId, participants, timeoutMs);
      },
      (error: unknown) => {
        this.#starting.delete(txId);
        throw error;
      },
    );
  }

  // A transaction this coordinator knows: running (duplicate), or finished (its outcome, or a duplicate for other work).
  #known(txId: TxId, participants: Record<PartyId, ParticipantWork>): Promise<TransactionResult> | undefined {
    const status = this.#core.status(txId);
    if (this.#waiting.has(txId) || this.#starting.has(txId) || status.status === 'collecting' || status.unacknowledged !== undefined) {
      return Promise.reject(new DuplicateTransactionError(txId));
    }
    const done = this.#core.finished(txId, participants);
    if (done === undefined) return undefined;
    if (done.sameWork === undefined) return Promise.reject(new DuplicateTransactionError(txId, 'decided'));
    if (!done.sameWork) return Promise.reject(new DuplicateTransactionError(txId, 'different-work'));
    return Promise.resolve(toResult(done.outcome));
  }

  #begin(txId: TxId, participants: Record<PartyId, ParticipantWork>, timeoutMs: number): Promise<TransactionResult> {
    return new Promise<TransactionResult>((resolve, reject) => {
      try {
        this.#core.begin(txId, participants, this.#clock.now());
      } catch (error) {
        reject(error);
        return;
      }
      const deadline = this.#clock.setTimeout(() => this.#expire(txId), timeoutMs);
      this.#waiting.set(txId, { resolve, reject, deadline, timeoutMs, expired: false });
      this.#kick();
    });
  }

  /** What is known of `txId` here (running, or among the recently finished); for `GET /transactions/:id`. */
  status(txId: TxId): TransactionStatus {
    return this.#core.status(txId);
  }

  /** Transactions running (collecting, recording, or in phase two). */
  get activeCount(): number {
    return this.#core.activeCount;
  }

  /**
   * Hands a participant's message (`vote`, `ack`, `status`) to the coordinator. Validates it
   * first: call this straight from an HTTP handler.
   *
   * @throws {TypeError} naming the bad field (see `checkTransactionMessage`)
   * @throws {RangeError} when it is addressed to another coordinator
   * @throws {TransactionStoppedError} after `stop()`
   */
  receive(message: unknown): void {
    const checked = checkTransactionMessage(message);
    if (this.#stopped) throw new TransactionStoppedError('coordinator', this.#failure);
    this.#core.step(checked);
    this.#kick();
  }

  /**
   * Stops ticking and rejects pending calls with {@link TransactionStoppedError}; decisions being
   * recorded finish recording (the log's promises) but nothing more is sent — no phase two, no
   * answer to an inquiry — and retries of failed records not yet due are dropped (a restart
   * resumes from what the log holds). Idempotent. The
   * coordinator also stops by itself when its decision log fails for good (a
   * `RecordLogFailedError`, see `FileDecisionLog`); the errors then carry it as `cause`.
   */
  async stop(): Promise<void> {
    this.#stop(undefined);
  }

  /** Decisions handed to the log and not answered yet (retries included). */
  get recordsInFlight(): number {
    return this.#pendingRecords;
  }

  #stop(cause: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#failure = cause;
    if (this.#tickTimer !== undefined) this.#clock.clearTimeout(this.#tickTimer);
    // Retries not yet due are dropped (a restart resumes what the log holds).
    for (const timer of this.#retryTimers) {
      this.#clock.clearTimeout(timer);
      this.#pendingRecords--;
    }
    this.#retryTimers.clear();
    for (const [txId, w] of this.#waiting) {
      this.#clock.clearTimeout(w.deadline);
      w.reject(new TransactionStoppedError('coordinator', cause));
      this.#waiting.delete(txId);
    }
  }

  #checkRequest(request: TransactionRequest): { txId: TxId; participants: Record<PartyId, ParticipantWork>; timeoutMs: number } {
    if (typeof request !== 'object' || request === null) throw new TypeError('TwoPhaseCoordinator: transact() needs a request object');
    const txId = request.id ?? `${this.id}-${this.#clock.now().toString(36)}-${(this.#seq++).toString(36)}-${Math.floor(this.#random() * 2 ** 32).toString(36)}`;
    if (typeof txId !== 'string' || txId === '' || txId.length > MESSAGE_LIMITS.maxIdLength) {
      throw new TypeError(`TwoPhaseCoordinator: request.id must be a non-empty string of at most ${MESSAGE_LIMITS.maxIdLength} characters, got ${show(txId)}`);
    }
    const timeoutMs = request.timeoutMs === undefined ? this.#defaultTimeoutMs : checkPositive('TwoPhaseCoordinator.transact', 'timeoutMs', request.timeoutMs);
    if (typeof request.participants !== 'object' || request.participants === null || Array.isArray(request.participants)) {
      throw new TypeError(`TwoPhaseCoordinator: request.participants must be an object of participant id → { writes, reads? }, got ${show(request.participants)}`);
    }
    const participants: Record<PartyId, ParticipantWork> = {};
    const entries = Object.entries(request.participants);
    if (entries.length === 0) throw new TypeError('TwoPhaseCoordinator: request.participants needs at least one participant');
    for (const [id, work] of entries) {
      // Validate as the participant will: build the prepare and check it.
      const writes = (work as ParticipantWork | undefined)?.writes as readonly TxWrite[];
      const reads = (work as ParticipantWork | undefined)?.reads ?? [];
      try {
        checkTransactionMessage({ type: 'prepare', txId, from: this.id, to: id, epoch: 0, order: 0, writes, reads });
      } catch (error) {
        throw new TypeError(`TwoPhaseCoordinator: request.participants[${JSON.stringify(id)}]: ${(error as Error).message.replace('two-phase commit: message.', '')}`, { cause: error });
      }
      if (writes.length === 0 && reads.length === 0) throw new TypeError(`TwoPhaseCoordinator: request.participants[${JSON.stringify(id)}] has neither writes nor reads`);
      participants[id] = { writes: writes.map((w) => ({ key: w.key, value: w.value })), reads: [...reads] };
    }
    return { txId, participants, timeoutMs };
  }

  #expire(txId: TxId): void {
    const w = this.#waiting.get(txId);
    if (w === undefined || this.#stopped) return;
    if (this.#core.abort(txId, 'timeout')) {
      w.expired = true; // if recording the abort fails, the caller hears in-doubt (see #record)
      this.#kick(); // the abort outcome settles the call
      return;
    }
    // The decision is being recorded (or phase two started and the outcome is on its way): the
    // caller cannot know which — an indefinite error.
    this.#waiting.delete(txId);
    w.reject(new TransactionInDoubtError(txId, w.timeoutMs));
  }

  #armTick(): void {
    if (this.#stopped) return;
    this.#tickTimer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#core.tick();
      this.#kick();
      this.#armTick();
    }, this.#tickMs);
  }

  #kick(): void {
    if (this.#driving || this.#stopped) return;
    this.#driving = true;
    try {
      // Synchronous: nothing here waits; decisions settle through the log's promises (so a slow
      // log never holds up other transactions' votes), and their commits are sent only after.
      while (!this.#stopped && this.#core.hasReady()) {
        const ready = this.#core.ready();
        for (const record of ready.records) this.#record(record);
        for (const message of ready.messages) this.#send(message);
        for (const outcome of ready.outcomes) this.#settle(outcome);
        for (const inquiry of ready.inquiries) void this.#answer(inquiry.txId, inquiry.from);
        this.#core.advance();
      }
    } finally {
      this.#driving = false;
    }
  }

  #record(record: CoordinatorRecord): void {
    if (record.type === 'end') {
      // Lazy: a lost END only costs a re-sent commit after a restart.
      this.#log.end(record.txId).catch(() => undefined);
      return;
    }
    this.#pendingRecords++;
    const attempt = (n: number, previousMs: number): void => {
      this.#log.record(record.txId, record.decision, record.participants).then(
        (standing) => {
          this.#pendingRecords--;
          if (this.#stopped) return;
          this.#core.recorded(record.txId, standing);
          this.#kick();
        },
        (error: unknown) => {
          // A dead log (fail-stop, e.g. a failed fsync): retrying would never land — stop, so
          // callers hear TransactionStoppedError; a restart on the reopened log resumes.
          if (isRecordLogFailedError(error)) {
            this.#pendingRecords--;
            this.#stop(error);
            return;
          }
          // The outcome of a failed record is unknown (it may have landed): retry the same
          // decision, forever — first-wins makes the retry safe.
          if (this.#stopped) {
            this.#pendingRecords--;
            return;
          }
          // Past the caller's deadline: settle it now (the retries go on; the outcome is unknown
          // to it — another coordinator may have recorded commit first).
          const w = this.#waiting.get(record.txId);
          if (w?.expired === true) {
            this.#waiting.delete(record.txId);
            w.reject(new TransactionInDoubtError(record.txId, w.timeoutMs));
          }
          const delay = this.#recordBackoff.delay(n, previousMs, this.#random);
          const timer = this.#clock.setTimeout(() => {
            this.#retryTimers.delete(timer);
            if (this.#stopped) this.#pendingRecords--;
            else attempt(n + 1, delay);
          }, delay);
          this.#retryTimers.add(timer);
        },
      );
    };
    attempt(1, 0);
  }

  // Presumed abort, made safe for several coordinators sharing a log: the recorded decision, else
  // abort — recorded first, so nobody can commit the transaction after we answered.
  async #answer(txId: TxId, to: PartyId): Promise<void> {
    try {
      const answer = await answerStatusQuery(this.#log, { type: 'status', txId, from: to, to: this.id }, { from: this.id, epoch: this.#core.epoch });
      if (!this.#stopped) this.#send(answer); // stopped: nothing more is sent
    } catch {
      // The participant asks again.
    }
  }

  #send(message: TransactionMessage): void {
    try {
      this.#transport.send(message);
    } catch {
      // A lost message: the protocol re-sends.
    }
  }

  #settle(outcome: TransactionOutcome): void {
    const w = this.#waiting.get(outcome.txId);
    if (w === undefined) return;
    this.#waiting.delete(outcome.txId);
    this.#clock.clearTimeout(w.deadline);
    w.resolve(toResult(outcome));
  }
}

function toResult(outcome: TransactionOutcome): TransactionResult {
  return { id: outcome.txId, status: outcome.status, ...(outcome.reason === undefined ? {} : { reason: outcome.reason }), votes: outcome.votes };
}
