import type { Backoff } from '../../policies/backoff/backoff.js';
import { type TimeoutPolicy, timeout } from '../../policies/timeout.js';
import { checkPositive, checkPositiveInteger } from '../../policies/validate.js';
import type { WalFs } from '../../raft/wal/wal-fs.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { RecordLog } from '../log/record-log.js';
import { TransactionStoppedError } from './errors/transaction-stopped-error.js';
import type { LockInfo } from './lock-table.js';
import { checkTransactionMessage } from './messages.js';
import { type InDoubtTransaction, type LockPolicy, Participant, type ParticipantAnomalies, type ParticipantEffect } from './participant.js';
import { decodeParticipantRecord, encodeParticipantRecord } from './participant-record.js';
import type { TransactionTransport } from './two-phase-coordinator.js';
import type { PartyId, TxId, TxWrite } from './types.js';

/**
 * The data a participant guards — in the cluster, its Raft-replicated KV. Either method may
 * return a promise.
 */
export interface ParticipantStore {
  /** The current value of `key`, or `null` (or `undefined`) when absent. */
  read(key: string): string | null | undefined | Promise<string | null | undefined>;
  /**
   * Applies a committed transaction's writes (a `null` value deletes), durably and atomically,
   * **once per `txId`**: after a crash between the apply and the participant's COMMITTED record,
   * the same call comes again and must change nothing. A failure is retried with backoff.
   */
  apply(txId: TxId, writes: readonly TxWrite[]): void | Promise<void>;
}

/** Options of {@link TwoPhaseParticipant.open}. */
export interface TwoPhaseParticipantOptions {
  /** This participant's id; required. */
  readonly id: PartyId;
  /** The participant's log directory (a {@link RecordLog}); required. */
  readonly dir: string;
  /** Required. */
  readonly store: ParticipantStore;
  /** Required. */
  readonly transport: TransactionTransport;
  /** Required (`systemClock`, or `ManualClock` in tests). */
  readonly clock: Clock;
  /** Randomness for backoff jitter; required. */
  readonly random: Random;
  /** Default `'no-wait'`; see {@link LockPolicy}. */
  readonly lockPolicy?: LockPolicy;
  /** Milliseconds per protocol tick. Default 50. */
  readonly tickMs?: number;
  /** `'ordered'`: ticks a prepare may wait for locks. Default 20. */
  readonly maxLockWaitTicks?: number;
  /** Ticks a prepared transaction waits for its decision before asking. Default 10. */
  readonly inDoubtAfterTicks?: number;
  /** Delays between status queries of an in-doubt transaction, in ticks; forever. */
  readonly backoff?: Backoff;
  /**
   * A limit on each store call, in ms (core's `timeout` policy, aggressive, on `clock`): a read
   * that takes longer votes no (`store-failed`); an apply that takes longer counts as failed and
   * is retried (apply is idempotent by `txId`, so a slow first call finishing late is harmless).
   * Default 10 000.
   */
  readonly storeTimeoutMs?: number;
  /** Compact the log after this many records. Default 10 000. */
  readonly compactEvery?: number;
  /** The log's file operations (default `nodeWalFs`). */
  readonly fs?: WalFs;
  /** Called with each log fsync's duration in seconds (for a histogram). */
  readonly onSync?: (seconds: number) => void;
}

/**
 * Runs a two-phase commit {@link Participant} over a {@link RecordLog} and a
 * {@link ParticipantStore}: the drive loop appends the core's records and fsyncs when one must be
 * durable (PREPARED before the yes vote, COMMITTED before the ack), then sends, then runs the
 * store reads and applies. `open` replays the log: prepared transactions without an outcome are
 * in doubt — they keep their locks and ask their coordinator, with backoff, until it answers.
 *
 * A log failure (a disk error) stops the participant: restart it with `open` (the same as after a crash).
 *
 * @example
 * const participant = TwoPhaseParticipant.open({ id: 'a', dir: '/var/lib/tx/a', store, transport, clock: systemClock, random: systemRandom });
 * server.post('/2pc/a', (req) => participant.receive(req.body)); // validated inside
 * participant.inDoubt(); // prepared transactions waiting for their decision
 */
export class TwoPhaseParticipant {
  readonly id: PartyId;
  readonly #core: Participant;
  readonly #log: RecordLog;
  readonly #store: ParticipantStore;
  readonly #transport: TransactionTransport;
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #compactEvery: number;
  readonly #storeTimeout: TimeoutPolicy;
  #appended = 0;
  #tickTimer: TimerHandle | undefined;
  #driving = false;
  #stopped = false;
  #failure: unknown;
  #effects = 0;
  /** The store calls under way (their own promises, settled either way): `stop()` waits for them. */
  readonly #storeCalls = new Set<Promise<void>>();
  /** Per transaction, its store apply under way (it may have outlived its timeout). */
  readonly #applying = new Map<TxId, Promise<void>>();

  private constructor(
    options: TwoPhaseParticipantOptions,
    core: Participant,
    log: RecordLog,
    tickMs: number,
    compactEvery: number,
    appended: number,
    storeTimeoutMs: number,
  ) {
    this.id = options.id;
    this.#core = core;
    this.#log = log;
    this.#store = options.store;
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#tickMs = tickMs;
    this.#compactEvery = compactEvery;
    this.#appended = appended;
    this.#storeTimeout = timeout({ timeoutMs: storeTimeoutMs, strategy: 'aggressive', clock: options.clock });
    this.#armTick();
    this.#kick();
  }

  /**
   * Opens the log, replays it, and starts (in-doubt transactions ask at once).
   *
   * @throws {TypeError | RangeError} for a missing or bad option, naming it
   * @throws {WalCorruptionError | TransactionRecordError} for a damaged log
   */
  static open(options: TwoPhaseParticipantOptions): TwoPhaseParticipant {
    if (typeof options !== 'object' || options === null) throw new TypeError('TwoPhaseParticipant: options must be an object');
    if (typeof options.id !== 'string' || options.id === '') throw new TypeError('TwoPhaseParticipant: options.id must be a non-empty string');
    for (const [name, value, method] of [
      ['store', options.store, 'apply'],
      ['transport', options.transport, 'send'],
      ['clock', options.clock, 'setTimeout'],
    ] as const) {
      if (typeof (value as unknown as Record<string, unknown> | undefined)?.[method] !== 'function') {
        throw new TypeError(`TwoPhaseParticipant: options.${name} is required (an object with ${method}())`);
      }
    }
    if (typeof options.store.read !== 'function') throw new TypeError('TwoPhaseParticipant: options.store is required (an object with read())');
    if (typeof options.random !== 'function') throw new TypeError('TwoPhaseParticipant: options.random must be a function returning [0, 1)');
    const tickMs = checkPositive('TwoPhaseParticipant', 'tickMs', options.tickMs ?? 50);
    const compactEvery = checkPositiveInteger('TwoPhaseParticipant', 'compactEvery', options.compactEvery ?? 10_000);
    const storeTimeoutMs = checkPositive('TwoPhaseParticipant', 'storeTimeoutMs', options.storeTimeoutMs ?? 10_000);
    const { log, records } = RecordLog.open({
      dir: options.dir,
      ...(options.fs === undefined ? {} : { fs: options.fs }),
      ...(options.onSync === undefined ? {} : { onSync: options.onSync }),
    });
    let core: Participant;
    try {
      core = new Participant({
        id: options.id,
        random: options.random,
        records: records.map((r, i) => decodeParticipantRecord(r, i)),
        ...(options.lockPolicy === undefined ? {} : { lockPolicy: options.lockPolicy }),
        ...(options.maxLockWaitTicks === undefined ? {} : { maxLockWaitTicks: options.maxLockWaitTicks }),
        ...(options.inDoubtAfterTicks === undefined ? {} : { inDoubtAfterTicks: options.inDoubtAfterTicks }),
        ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
      });
    } catch (error) {
      log.close();
      throw error;
    }
    return new TwoPhaseParticipant(options, core, log, tickMs, compactEvery, records.length, storeTimeoutMs);
  }

  /**
   * Hands a coordinator's message (`prepare`, `commit`, `abort`) to the participant. Validates it
   * first: call this straight from an HTTP handler.
   *
   * @throws {TypeError} naming the bad field (see `checkTransactionMessage`)
   * @throws {RangeError} when it is addressed to another participant
   * @throws {TransactionStoppedError} when the participant stopped (a log failure: `cause`)
   */
  receive(message: unknown): void {
    const checked = checkTransactionMessage(message);
    if (this.#stopped) throw new TransactionStoppedError('participant', this.#failure);
    this.#core.step(checked);
    this.#kick();
  }

  /** Prepared transactions waiting for their decision (they hold their locks). */
  inDoubt(): InDoubtTransaction[] {
    return this.#core.inDoubt();
  }

  /** The keys locked now, and by which transactions. */
  locks(): LockInfo[] {
    return this.#core.locks();
  }

  /** Protocol anomalies seen since the start (commits for unknown or contradicting transactions). */
  anomalies(): ParticipantAnomalies {
    return this.#core.anomalies();
  }

  /** Store reads and applies under way. */
  get effectsInFlight(): number {
    return this.#effects;
  }

  /** Transactions in progress (waiting for locks, reading, prepared, applying). */
  get activeCount(): number {
    return this.#core.activeCount;
  }

  /** Whether it stopped (by `stop()` or a log failure, then in `failure`). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** The log failure that stopped it, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /**
   * Stops ticking and closes the log (records not yet synced are dropped, as in a crash), then
   * waits for the store calls under way to settle (including ones past their `storeTimeoutMs`;
   * a store call that never settles keeps this pending), so the store may be closed after it.
   * Idempotent.
   */
  async stop(): Promise<void> {
    this.#halt(undefined);
    while (this.#storeCalls.size > 0) await Promise.all([...this.#storeCalls]);
  }

  #halt(cause: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#failure = cause;
    if (this.#tickTimer !== undefined) this.#clock.clearTimeout(this.#tickTimer);
    try {
      this.#log.close();
    } catch {
      // already failing
    }
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
      while (!this.#stopped && this.#core.hasReady()) {
        const ready = this.#core.ready();
        try {
          for (const record of ready.records) this.#log.append(encodeParticipantRecord(record));
          // The forced write: the votes and acks below depend on these records being durable.
          if (ready.sync) this.#log.sync();
          this.#appended += ready.records.length;
          if (this.#appended >= this.#compactEvery) {
            this.#log.sync();
            const live = this.#core.liveRecords();
            this.#log.compact(live.map(encodeParticipantRecord));
            this.#appended = live.length;
          }
        } catch (error) {
          this.#halt(error); // the disk failed: stop, as after a crash (restart with open)
          return;
        }
        for (const message of ready.messages) {
          try {
            this.#transport.send(message);
          } catch {
            // lost: the protocol re-sends
          }
        }
        this.#core.advance();
        for (const effect of ready.effects) this.#run(effect);
      }
    } finally {
      this.#driving = false;
    }
  }

  #run(effect: ParticipantEffect): void {
    if (effect.type === 'apply') {
      const previous = this.#applying.get(effect.txId);
      if (previous !== undefined) {
        // The last attempt timed out but the store is still at it: re-issue only once it settled
        // (`apply` is idempotent by txId, not necessarily safe to run twice at once).
        this.#effects++;
        void previous.then(() => {
          this.#effects--;
          if (!this.#stopped) this.#run(effect);
        });
        return;
      }
    }
    this.#effects++;
    const done = (fn: () => void): void => {
      this.#effects--;
      if (this.#stopped) return;
      fn();
      this.#kick();
    };
    if (effect.type === 'read') {
      const read = this.#storeCall(() => Promise.all(effect.keys.map(async (key) => [key, (await this.#store.read(key)) ?? null] as const)));
      this.#storeTimeout.execute(() => read).then(
        (pairs) => done(() => this.#core.readDone(effect.txId, Object.fromEntries(pairs))),
        () => done(() => this.#core.readFailed(effect.txId)),
      );
    } else {
      const apply = this.#storeCall(() => this.#store.apply(effect.txId, effect.writes));
      const settled = apply.then(
        () => undefined,
        () => undefined,
      );
      this.#applying.set(effect.txId, settled);
      void settled.then(() => {
        if (this.#applying.get(effect.txId) === settled) this.#applying.delete(effect.txId);
      });
      this.#storeTimeout.execute(() => apply).then(
        () => done(() => this.#core.applied(effect.txId)),
        () => done(() => this.#core.applyFailed(effect.txId)),
      );
    }
  }

  // Starts a store call and tracks it until it settles (past its timeout too), for stop().
  #storeCall<T>(call: () => T | Promise<T>): Promise<T> {
    const promise = Promise.resolve().then(call);
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#storeCalls.add(settled);
    void settled.then(() => this.#storeCalls.delete(settled));
    return promise;
  }
}
