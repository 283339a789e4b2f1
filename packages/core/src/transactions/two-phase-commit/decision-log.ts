import { RecordLogFailedError } from '../log/record-log-failed-error.js';
import { RecordLog, type RecordLogOptions } from '../log/record-log.js';
import { TransactionRecordError } from './errors/transaction-record-error.js';
import type { RecordedDecision } from './coordinator.js';
import type { Decision, PartyId, TxId } from './types.js';

/**
 * Where a two-phase commit coordinator keeps its decisions. Pluggable so that a cluster can
 * replicate them through Raft — then a coordinator crash never blocks participants: anyone who
 * can read the log can answer an in-doubt participant. {@link FileDecisionLog} is the default,
 * on a local {@link RecordLog}.
 *
 * Contract:
 * - `record` is **first wins**: it records `decision` unless one is recorded for `txId`, and
 *   resolves with the decision that stands. A commit must be durable when it resolves; an abort
 *   may be lazy (presumed abort: a transaction the log does not know is aborted).
 * - `lookup` answers what `record` stored (until `end`; a log may keep answering ended decisions
 *   for a while, as `FileDecisionLog` does, and `record` must stay first-wins against those).
 * - `end` forgets a transaction whose participants all acknowledged (lazy; may be lost in a crash).
 * - `recover` is called once when a coordinator starts: a fresh epoch, greater than every one
 *   handed out before (durably), and the decisions not ended, for phase two to resume.
 * A rejected promise means "unknown": the coordinator retries `record` with backoff, forever —
 * except a `RecordLogFailedError` (`isRecordLogFailedError`), which means the log is dead for
 * good: the coordinator runtime then stops (its callers hear `TransactionStoppedError`).
 */
export interface DecisionLog {
  record(txId: TxId, decision: Decision, participants: readonly PartyId[]): Promise<Decision>;
  lookup(txId: TxId): Promise<Decision | undefined>;
  end(txId: TxId): Promise<void>;
  recover(): Promise<{ readonly epoch: number; readonly pending: readonly RecordedDecision[] }>;
}

/** Options of {@link FileDecisionLog.open}: the record log's, plus when to compact and how much to remember. */
export interface FileDecisionLogOptions extends RecordLogOptions {
  /** Compact the log once this many transactions ended since the last compaction. Default 1000. */
  readonly compactEvery?: number;
  /**
   * How many ended decisions `lookup` and `record` still answer (the newest; kept across
   * compaction and restarts), so that a delayed vote or status query after END hears the real
   * decision instead of a presumed abort. Default 100 000; 0 forgets at END.
   */
  readonly maxEndedDecisions?: number;
  /** Test-only: do not force commits (the planted bug the simulation must catch). */
  readonly bugs?: { readonly lazyCommit?: boolean };
}

type Entry =
  | { readonly type: 'epoch'; readonly epoch: number }
  | ({ readonly type: 'decision' } & RecordedDecision)
  | { readonly type: 'end'; readonly txId: TxId }
  /** A compacted chunk of the ended history, oldest first. */
  | { readonly type: 'ended'; readonly entries: ReadonlyArray<readonly [TxId, Decision]> };

const ENDED_CHUNK = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The default {@link DecisionLog}: a {@link RecordLog} in one directory, replayed into memory at
 * open. A commit is forced (commits recorded in the same microtask share one fsync: group
 * commit); an abort and an END are appended without a sync of their own (they ride on the next
 * one); `recover` forces the new epoch. The log compacts itself every `compactEvery` ENDs to the
 * current epoch, the ended history and the decisions not ended. The synchronous `*Sync` methods
 * do the same work for a synchronous driver (the simulation tests).
 *
 * Ended history: an ended decision moves to a bounded history (the last `maxEndedDecisions`)
 * that `lookup` still answers and against which `record` stays first-wins — a vote or status
 * query delayed past END hears commit, not a presumed abort that would contradict it. An abort
 * goes to the history as soon as it is recorded (nobody acknowledges an abort, and the aborts
 * `answerStatusQuery` records for unknown transactions would otherwise pile up forever).
 * Past the history, a forgotten transaction is presumed aborted again.
 *
 * Fail-stop: when a call to the record log throws (a failed write or fsync), what reached the
 * disk is unknown, so the log closes itself and every later call throws
 * {@link RecordLogFailedError} (`cause`: the first failure) — it never answers from memory a
 * commit the disk may not hold. Recover by opening the directory again. A commit is answered
 * (by `record` or `lookup`) only once its fsync returned.
 *
 * @example
 * const decisionLog = FileDecisionLog.open({ dir: '/var/lib/tx/coordinator' });
 * const coordinator = await TwoPhaseCoordinator.open({ id: 'c', decisionLog, transport, clock: systemClock, random: systemRandom });
 */
export class FileDecisionLog implements DecisionLog {
  readonly #log: RecordLog;
  readonly #decisions = new Map<TxId, RecordedDecision>();
  readonly #compactEvery: number;
  readonly #lazyCommit: boolean;
  /** Ended decisions still answered, oldest first (insertion order). */
  readonly #history = new Map<TxId, Decision>();
  readonly #maxEnded: number;
  #epoch = 0;
  #ended = 0;
  #waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Commits appended and not fsynced yet (group commit pending): never answered before their fsync. */
  readonly #unsynced = new Set<TxId>();
  #failure: RecordLogFailedError | undefined;

  readonly #dir: string;

  private constructor(log: RecordLog, records: readonly Uint8Array[], compactEvery: number, maxEnded: number, lazyCommit: boolean, dir: string) {
    this.#log = log;
    this.#maxEnded = maxEnded;
    this.#dir = dir;
    this.#compactEvery = compactEvery;
    this.#lazyCommit = lazyCommit;
    records.forEach((bytes, index) => this.#replay(decode(bytes, index), index));
  }

  /**
   * Opens (creating) the log and replays it.
   *
   * @throws as `RecordLog.open`; {@link TransactionRecordError} for a record that makes no sense
   * @throws {RangeError} when `compactEvery` is not a positive integer, or `maxEndedDecisions` not a non-negative one
   */
  static open(options: FileDecisionLogOptions): FileDecisionLog {
    const compactEvery = options?.compactEvery ?? 1000;
    if (!Number.isInteger(compactEvery) || compactEvery < 1) throw new RangeError(`FileDecisionLog: options.compactEvery must be a positive integer, got ${String(compactEvery)}`);
    const maxEnded = options.maxEndedDecisions ?? 100_000;
    if (!Number.isInteger(maxEnded) || maxEnded < 0) throw new RangeError(`FileDecisionLog: options.maxEndedDecisions must be a non-negative integer, got ${String(maxEnded)}`);
    const { log, records } = RecordLog.open(options);
    return new FileDecisionLog(log, records, compactEvery, maxEnded, options.bugs?.lazyCommit === true, options.dir);
  }

  /** {@inheritDoc DecisionLog.record} */
  async record(txId: TxId, decision: Decision, participants: readonly PartyId[]): Promise<Decision> {
    this.#alive();
    const existing = this.#standing(txId);
    if (existing !== undefined) {
      // A commit still waiting for its group's fsync stands only once that fsync returned.
      if (this.#unsynced.has(txId)) await this.#groupSync();
      return existing;
    }
    this.#add(txId, decision, participants);
    if (decision === 'commit' && !this.#lazyCommit) {
      this.#unsynced.add(txId);
      await this.#groupSync();
    }
    return decision;
  }

  /** {@inheritDoc DecisionLog.lookup} */
  async lookup(txId: TxId): Promise<Decision | undefined> {
    this.#alive();
    if (this.#unsynced.has(txId)) await this.#groupSync();
    return this.#standing(txId);
  }

  /** {@inheritDoc DecisionLog.end} */
  async end(txId: TxId): Promise<void> {
    this.endSync(txId);
  }

  /** {@inheritDoc DecisionLog.recover} */
  async recover(): Promise<{ epoch: number; pending: RecordedDecision[] }> {
    return this.recoverSync();
  }

  /** {@link FileDecisionLog.record}, synchronously (forcing a commit with its own fsync). */
  recordSync(txId: TxId, decision: Decision, participants: readonly PartyId[]): Decision {
    this.#alive();
    const existing = this.#standing(txId);
    if (existing !== undefined) {
      if (this.#unsynced.has(txId)) this.#syncNow();
      return existing;
    }
    this.#add(txId, decision, participants);
    if (decision === 'commit' && !this.#lazyCommit) {
      this.#unsynced.add(txId);
      this.#syncNow();
    }
    return decision;
  }

  /** {@link FileDecisionLog.lookup}, synchronously (a commit whose group fsync is pending is fsynced first). */
  lookupSync(txId: TxId): Decision | undefined {
    this.#alive();
    if (this.#unsynced.has(txId)) this.#syncNow();
    return this.#standing(txId);
  }

  /** {@link FileDecisionLog.end}, synchronously. */
  endSync(txId: TxId): void {
    this.#alive();
    // (A coordinator ends a commit only after it was answered, so after its fsync; a direct
    // caller could be faster: make the commit durable before forgetting it.)
    if (this.#unsynced.has(txId)) this.#syncNow();
    const open = this.#decisions.get(txId);
    if (open === undefined) return;
    this.#io(() => this.#log.append(encode({ type: 'end', txId })));
    this.#decisions.delete(txId);
    this.#remember(txId, open.decision);
    this.#countEnd();
  }

  /** {@link FileDecisionLog.recover}, synchronously: forces the next epoch. */
  recoverSync(): { epoch: number; pending: RecordedDecision[] } {
    this.#alive();
    const epoch = this.#epoch + 1;
    this.#io(() => this.#log.append(encode({ type: 'epoch', epoch })));
    this.#syncNow();
    this.#epoch = epoch;
    return { epoch: this.#epoch, pending: [...this.#decisions.values()] };
  }

  /** Rewrites the log as the current epoch and the decisions not ended (crash-safe; see `RecordLog.compact`). */
  compact(): void {
    this.#alive();
    // Compaction drops what is buffered: make pending commits durable first (their waiters too).
    if (this.#log.pending > 0) this.#syncNow();
    this.#ended = 0;
    const history = [...this.#history];
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < history.length; i += ENDED_CHUNK) chunks.push(encode({ type: 'ended', entries: history.slice(i, i + ENDED_CHUNK) }));
    const live = [encode({ type: 'epoch', epoch: this.#epoch }), ...chunks, ...[...this.#decisions.values()].map((d) => encode({ type: 'decision', ...d }))];
    this.#io(() => this.#log.compact(live));
  }

  /** The failure that stopped this log (see "Fail-stop" above), or `undefined` while it works. */
  get failure(): RecordLogFailedError | undefined {
    return this.#failure;
  }

  /** Decisions recorded and not ended. */
  get size(): number {
    return this.#decisions.size;
  }

  /** Ended decisions still answered (at most `maxEndedDecisions`). */
  get endedSize(): number {
    return this.#history.size;
  }

  /** The last epoch handed out (0 before the first `recover`). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Closes the record log (appended records not synced are dropped). */
  close(): void {
    this.#log.close();
  }

  #add(txId: TxId, decision: Decision, participants: readonly PartyId[]): void {
    const entry: RecordedDecision = { txId, decision, participants: [...participants] };
    this.#io(() => this.#log.append(encode({ type: 'decision', ...entry })));
    if (decision === 'commit') {
      this.#decisions.set(txId, entry);
      return;
    }
    // An abort needs no acknowledgement: it is ended at once (into the history).
    this.#remember(txId, decision);
    this.#countEnd();
  }

  #standing(txId: TxId): Decision | undefined {
    return this.#decisions.get(txId)?.decision ?? this.#history.get(txId);
  }

  #remember(txId: TxId, decision: Decision): void {
    if (this.#maxEnded === 0) return;
    this.#history.set(txId, decision);
    if (this.#history.size > this.#maxEnded) this.#history.delete(this.#history.keys().next().value as TxId);
  }

  #countEnd(): void {
    if (++this.#ended >= this.#compactEvery) this.compact();
  }

  // One fsync for every commit recorded in the same turn of the event loop.
  #groupSync(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#waiters.length > 1) return;
      queueMicrotask(() => {
        try {
          this.#syncNow();
        } catch {
          // #syncNow rejected the waiters
        }
      });
    });
  }

  // Syncs now and settles the waiting group (which is then empty, so its microtask does nothing).
  #syncNow(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    try {
      this.#alive();
      this.#io(() => this.#log.sync());
    } catch (error) {
      for (const w of waiters) w.reject(error);
      throw error;
    }
    this.#unsynced.clear();
    for (const w of waiters) w.resolve();
  }

  // Every record-log call goes through here: the first failure stops the log for good.
  #io(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error: unknown): never {
    this.#failure ??= error instanceof RecordLogFailedError ? error : new RecordLogFailedError(this.#dir, error);
    try {
      this.#log.close();
    } catch {
      // already failed
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(this.#failure);
    throw this.#failure;
  }

  #alive(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #replay(entry: Entry, index: number): void {
    if (entry.type === 'epoch') {
      if (entry.epoch <= this.#epoch) throw new TransactionRecordError('decision', index, `epoch ${entry.epoch} after epoch ${this.#epoch}`);
      this.#epoch = entry.epoch;
    } else if (entry.type === 'decision') {
      if (this.#standing(entry.txId) !== undefined) return; // first wins
      if (entry.decision === 'commit') this.#decisions.set(entry.txId, { txId: entry.txId, decision: entry.decision, participants: entry.participants });
      else this.#remember(entry.txId, entry.decision);
    } else if (entry.type === 'end') {
      const open = this.#decisions.get(entry.txId);
      if (open === undefined) return;
      this.#decisions.delete(entry.txId);
      this.#remember(entry.txId, open.decision);
    } else {
      for (const [txId, decision] of entry.entries) if (this.#standing(txId) === undefined) this.#remember(txId, decision);
    }
  }
}

function encode(entry: Entry): Uint8Array {
  return encoder.encode(JSON.stringify(entry));
}

function decode(bytes: Uint8Array, index: number): Entry {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new TransactionRecordError('decision', index, `not JSON (${String(error)})`);
  }
  const e = value as Record<string, unknown>;
  if (typeof e !== 'object' || e === null) throw new TransactionRecordError('decision', index, 'not an object');
  if (e.type === 'epoch' && Number.isSafeInteger(e.epoch) && (e.epoch as number) > 0) return e as Entry;
  if (e.type === 'end' && typeof e.txId === 'string') return e as Entry;
  if (
    e.type === 'ended' &&
    Array.isArray(e.entries) &&
    e.entries.every((x: unknown) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && (x[1] === 'commit' || x[1] === 'abort'))
  ) {
    return e as Entry;
  }
  if (
    e.type === 'decision' &&
    typeof e.txId === 'string' &&
    (e.decision === 'commit' || e.decision === 'abort') &&
    Array.isArray(e.participants) &&
    e.participants.every((p) => typeof p === 'string')
  ) {
    return e as Entry;
  }
  throw new TransactionRecordError('decision', index, `not a decision-log record: ${JSON.stringify(value).slice(0, 200)}`);
}
