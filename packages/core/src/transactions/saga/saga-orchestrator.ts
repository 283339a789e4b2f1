import { exponentialBackoff, type Backoff } from '../../policies/backoff/backoff.js';
import { RetryPolicy } from '../../policies/retry.js';
import { TimeoutPolicy } from '../../policies/timeout.js';
import { show } from '../../policies/validate.js';
import type { WalFs } from '../../raft/wal/wal-fs.js';
import { systemClock, type Clock, type TimerHandle } from '../../time/clock.js';
import { systemRandom, type Random } from '../../time/random.js';
import { RecordLog } from '../log/record-log.js';
import { SAGA_NAME_PATTERN, isSagaDefinition, type SagaDefinition, type SagaStep } from './define-saga.js';
import { InvalidStepResultError } from './errors/invalid-step-result-error.js';
import { SagaDefinitionMismatchError } from './errors/saga-definition-mismatch-error.js';
import { SagaIdConflictError } from './errors/saga-id-conflict-error.js';
import { SagaOrchestratorStoppedError } from './errors/saga-orchestrator-stopped-error.js';
import type { SagaHistory, SagaOutcome, SagaStatus, SagaSummary } from './saga-history.js';
import type { SagaLog } from './saga-log.js';
import { decodeSagaRecord, encodeSagaRecord, errorInfo, type SagaRecord } from './saga-record.js';
import { addAttemptEvent, historyOf, newRun, outcomeOf, recordEvent, resultsOf, summaryOf, type SagaRun } from './saga-run.js';
import { applySagaRecord, nextSagaAction, type SagaShape, type SagaState } from './saga-state.js';

/** Options of {@link SagaOrchestrator}. */
export interface SagaOrchestratorOptions {
  /** Where records are forced (a `RecordLog`, or a {@link SagaLog}); required. */
  readonly log: SagaLog;
  /** The records the log held at open (`RecordLog.open(...).records`), replayed at construction. Default none. */
  readonly records?: readonly Uint8Array[];
  /** Sagas to know by name, for `resume()` (`start()` registers its saga too). Default none. */
  readonly sagas?: readonly SagaDefinition<never>[];
  /** Time for timestamps, retry waits and timeouts (default the system clock). */
  readonly clock?: Clock;
  /** Jitter and generated saga ids (default `Math.random`). */
  readonly random?: Random;
  /** Ended sagas kept for `get`, `list` and id deduplication, newest first (default 1,000). */
  readonly maxEndedSagas?: number;
  /**
   * Compact the log (when it can) once this many records were written since the last compaction
   * and a saga ends: the new log holds the running sagas and the kept ended ones (default 10,000).
   */
  readonly compactAfterRecords?: number;
  /** The largest record, in bytes: bounds a saga's input and each step's result (default 1 MiB). */
  readonly maxRecordBytes?: number;
  /** Failed-attempt events kept per saga in its history (default 100; logged records are always shown). */
  readonly maxEventsPerSaga?: number;
  /**
   * The wait between rounds of retries for what may never give up: compensations, and steps
   * after the pivot (default exponential from 1 s, ×2, capped at 60 s, equal jitter).
   */
  readonly roundBackoff?: Backoff;
}

/** Options of {@link SagaOrchestrator.open}: the orchestrator's, with a `RecordLog` directory instead of `log`. */
export interface SagaOrchestratorOpenOptions extends Omit<SagaOrchestratorOptions, 'log' | 'records'> {
  /** The log's directory (created if missing). */
  readonly dir: string;
  /** The file operations (default `nodeWalFs`). */
  readonly fs?: WalFs;
  /** The log's segment size (default 16 MiB). */
  readonly maxSegmentBytes?: number;
  /** Called after each fsync with its duration in seconds (for a histogram). */
  readonly onSync?: (seconds: number) => void;
}

/** Options of {@link SagaOrchestrator.start}. */
export interface SagaStartOptions {
  /**
   * The saga instance's id, its idempotency key: starting again with the id of a running or kept
   * saga returns that saga's outcome. 1 to 100 of `A-Z a-z 0-9 . _ : -`. Default a random id.
   */
  readonly id?: string;
  /**
   * A deadline for the saga, in ms from now (logged, so it holds across restarts): if the saga
   * is still going forward and its pivot has not succeeded by then, it is cancelled and
   * compensates. Default none (each step's `timeoutMs` still bounds its attempts).
   */
  readonly timeoutMs?: number;
}

/** Live counters since construction. */
export interface SagaOrchestratorMetrics {
  readonly started: number;
  readonly completed: number;
  readonly compensated: number;
  /** Sagas running or compensating now (known to this orchestrator). */
  readonly active: number;
  /** Records forced since construction. */
  readonly records: number;
  readonly compactions: number;
}

const MiB = 1024 * 1024;
type StepOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };
interface StepPolicies {
  readonly retry: RetryPolicy;
  readonly timeout: TimeoutPolicy | undefined;
}

/**
 * Runs sagas (see `defineSaga`) with every transition forced to a log first, so that a crash at
 * any point resumes where it stopped (design.md beside this file has the records, the states and
 * the crash matrix):
 *
 * - forward: `step-started` is forced before a step's first attempt; the action runs under the
 *   step's retry and timeout policies, with `idempotencyKey` `${sagaId}:${stepIndex}`; its
 *   result (or its failure) is forced before the next step starts;
 * - a step that fails for good before the pivot (or is the pivot) turns the saga around: the
 *   steps that started and have a `compensate` are compensated in reverse order, each with
 *   `compensation-started` forced first and `compensation-done` after, retried until it succeeds;
 *   a step that never started is never compensated;
 * - after the pivot, steps are retried until they succeed;
 * - after a crash, a new orchestrator on the same log replays it and `resume()` continues each
 *   saga: a step or compensation that was started runs again (same key: the participant
 *   deduplicates), so each takes effect once.
 *
 * A failure to write the log stops the orchestrator ({@link SagaOrchestratorStoppedError}): as
 * after a crash, open a new one and `resume()`.
 *
 * @example
 * const orchestrator = SagaOrchestrator.open({ dir: '/var/lib/sagas', sagas: [orders] });
 * orchestrator.resume(); // continue what a crash interrupted
 * const outcome = await orchestrator.start(orders, { sku: 'book', cents: 1200 }, { id: 'order-7' });
 * outcome.status; // 'completed' or 'compensated'
 * orchestrator.get('order-7')?.steps.map((s) => `${s.name}: ${s.status}`);
 */
export class SagaOrchestrator {
  private readonly log: SagaLog;
  private readonly ownedLog: RecordLog | undefined;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly maxEndedSagas: number;
  private readonly compactAfterRecords: number;
  private readonly maxRecordBytes: number;
  private readonly maxEventsPerSaga: number;
  private readonly roundBackoff: Backoff;
  private readonly definitions = new Map<string, SagaDefinition<unknown>>();
  private readonly policies = new WeakMap<SagaStep<unknown>, StepPolicies>();
  /** Every known saga, in start order (a Map keeps insertion order). */
  private readonly runs = new Map<string, SagaRun>();
  /** Ended sagas' ids, oldest first. */
  private readonly ended: string[] = [];
  private readonly sleepers = new Set<{ handle: TimerHandle; resolve: () => void }>();
  private stopCause: SagaOrchestratorStoppedError | undefined;
  private recordsSinceCompaction = 0;
  private counters = { started: 0, completed: 0, compensated: 0, records: 0, compactions: 0 };

  /**
   * Replays `records` (each saga's state as its records left it; nothing runs until `resume()`
   * or a `start()` with its id).
   *
   * @throws TypeError / RangeError naming a bad option
   * @throws SagaLogCorruptionError when a record is not a saga record or breaks a saga's order
   */
  constructor(options: SagaOrchestratorOptions, ownedLog?: RecordLog) {
    const where = 'SagaOrchestrator';
    if (typeof options !== 'object' || options === null) throw new TypeError(`${where}: options must be an object, got ${show(options)}`);
    const log = options.log as Partial<SagaLog> | undefined;
    if (typeof log !== 'object' || log === null || typeof log.append !== 'function' || typeof log.sync !== 'function') {
      throw new TypeError(`${where}: options.log must be a RecordLog or a SagaLog (append, sync), got ${show(log)}`);
    }
    this.log = options.log;
    this.ownedLog = ownedLog;
    this.clock = options.clock === undefined ? systemClock : checkClock(options.clock);
    if (options.random !== undefined && typeof options.random !== 'function') throw new TypeError(`${where}: options.random must be a function, got ${show(options.random)}`);
    this.random = options.random ?? systemRandom;
    this.maxEndedSagas = integer(where, 'maxEndedSagas', options.maxEndedSagas, 1_000, 0);
    this.compactAfterRecords = integer(where, 'compactAfterRecords', options.compactAfterRecords, 10_000, 1);
    this.maxRecordBytes = integer(where, 'maxRecordBytes', options.maxRecordBytes, MiB, 256);
    this.maxEventsPerSaga = integer(where, 'maxEventsPerSaga', options.maxEventsPerSaga, 100, 0);
    if (options.roundBackoff !== undefined && (typeof options.roundBackoff !== 'object' || typeof options.roundBackoff?.delay !== 'function')) {
      throw new TypeError(`${where}: options.roundBackoff must be a Backoff ({ delay }), got ${show(options.roundBackoff)}`);
    }
    this.roundBackoff = options.roundBackoff ?? exponentialBackoff({ initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 'equal' });
    if (options.sagas !== undefined) {
      if (!Array.isArray(options.sagas)) throw new TypeError(`${where}: options.sagas must be an array of defineSaga() results, got ${show(options.sagas)}`);
      options.sagas.forEach((saga: unknown, i) => this.register(saga as SagaDefinition<unknown>, `${where}: options.sagas[${i}]`));
    }
    if (options.records !== undefined) {
      if (!Array.isArray(options.records)) throw new TypeError(`${where}: options.records must be an array of Uint8Array, got ${show(options.records)}`);
      this.replay(options.records);
    }
  }

  /**
   * Opens (creating if missing) a `RecordLog` in `dir`, replays it, and returns an orchestrator
   * that owns it (`close()` closes it). Call `resume()` to continue interrupted sagas.
   *
   * @throws as `RecordLog.open` (WalCorruptionError for a damaged log) and the constructor
   */
  static open(options: SagaOrchestratorOpenOptions): SagaOrchestrator {
    if (typeof options !== 'object' || options === null) throw new TypeError(`SagaOrchestrator.open: options must be an object, got ${show(options)}`);
    const { dir, fs, maxSegmentBytes, onSync, ...rest } = options;
    const { log, records } = RecordLog.open({
      dir,
      ...(fs === undefined ? {} : { fs }),
      ...(maxSegmentBytes === undefined ? {} : { maxSegmentBytes }),
      ...(onSync === undefined ? {} : { onSync }),
    });
    try {
      return new SagaOrchestrator({ ...rest, log, records }, log);
    } catch (error) {
      log.close();
      throw error;
    }
  }

  /** True once `close()` was called or a log write failed. */
  get stopped(): boolean {
    return this.stopCause !== undefined;
  }

  /**
   * Makes a saga known by name, so `resume()` can continue its instances. `start()` does it too.
   *
   * @throws TypeError when `saga` is not a `defineSaga()` result
   * @throws RangeError when another saga of that name is registered
   */
  register(saga: SagaDefinition<never>, where = 'SagaOrchestrator.register: saga'): void {
    if (!isSagaDefinition(saga)) throw new TypeError(`${where} must be a defineSaga() result, got ${show(saga)}`);
    const known = this.definitions.get(saga.name);
    if (known !== undefined && known !== saga) throw new RangeError(`${where}: another saga named ${JSON.stringify(saga.name)} is registered`);
    this.definitions.set(saga.name, saga as SagaDefinition<unknown>);
  }

  /**
   * Continues every saga of the replayed log that has not ended (each from where its records
   * stop). Idempotent. Wait for one with {@link wait}.
   *
   * @returns the ids of the sagas it continued
   * @throws SagaDefinitionMismatchError when a saga's name is not registered or its steps differ
   *   from the log's (nothing is continued then)
   * @throws SagaOrchestratorStoppedError after `close()` or a failed write
   */
  resume(): string[] {
    this.alive();
    const pending = [...this.runs.values()].filter((run) => run.state.phase !== 'ended' && !run.driving);
    for (const run of pending) run.definition ??= this.definitionFor(run.state);
    for (const run of pending) void this.drive(run);
    return pending.map((run) => run.state.id);
  }

  /**
   * Starts a saga: forces `saga-started`, then runs it to its end.
   *
   * @param input JSON-serializable (`undefined` is kept as `null`); at most `maxRecordBytes` encoded
   * @returns its outcome once it ends: `'completed'` (every step succeeded) or `'compensated'`
   * @throws (rejects) TypeError / RangeError naming a bad argument (`saga`, `input`, `options.id`)
   * @throws (rejects) SagaIdConflictError when `options.id` names a saga of another name
   * @throws (rejects) SagaOrchestratorStoppedError when the orchestrator stops first (the saga
   *   continues after a restart and `resume()`)
   */
  start<I>(saga: SagaDefinition<I>, input: I, options: SagaStartOptions = {}): Promise<SagaOutcome> {
    try {
      this.alive();
      this.register(saga as SagaDefinition<never>, 'SagaOrchestrator.start: saga');
      if (typeof options !== 'object' || options === null) throw new TypeError(`SagaOrchestrator.start: options must be an object, got ${show(options)}`);
      const id = options.id === undefined ? this.newId() : checkId(options.id);
      const existing = this.runs.get(id);
      if (existing !== undefined) {
        if (existing.state.saga !== saga.name) throw new SagaIdConflictError(id, existing.state.saga, saga.name);
        const waited = this.wait(id);
        if (existing.state.phase !== 'ended' && !existing.driving) {
          existing.definition ??= this.definitionFor(existing.state);
          void this.drive(existing);
        }
        return waited;
      }
      let json: string | undefined;
      try {
        json = JSON.stringify(input === undefined ? null : input);
      } catch (error) {
        throw new TypeError(`SagaOrchestrator.start: input must be JSON-serializable: ${errorInfo(error).message}`, { cause: error });
      }
      if (json === undefined) throw new TypeError(`SagaOrchestrator.start: input must be JSON-serializable, got ${show(input)}`);
      const timeoutMs = options.timeoutMs;
      if (timeoutMs !== undefined) {
        if (typeof timeoutMs !== 'number') throw new TypeError(`SagaOrchestrator.start: options.timeoutMs must be a positive finite number, got ${show(timeoutMs)}`);
        if (!(timeoutMs > 0) || timeoutMs === Infinity) throw new RangeError(`SagaOrchestrator.start: options.timeoutMs must be a positive finite number, got ${show(timeoutMs)}`);
      }
      const at = this.clock.now();
      const record: SagaRecord = {
        type: 'saga-started',
        sagaId: id,
        saga: saga.name,
        steps: saga.steps.map((s) => s.name),
        input: JSON.parse(json) as unknown,
        ...(timeoutMs === undefined ? {} : { deadline: at + timeoutMs }),
        at,
      };
      const bytes = encodeSagaRecord(record);
      if (bytes.byteLength > this.maxRecordBytes) {
        throw new RangeError(`SagaOrchestrator.start: input must encode to at most ${this.maxRecordBytes} bytes with the record, got ${bytes.byteLength}`);
      }
      this.counters.started++;
      const run = this.force(undefined, bytes, saga as SagaDefinition<unknown>);
      const waited = this.wait(id);
      void this.drive(run);
      return waited;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Cancels saga `id`: forces `saga-cancelled`, aborts the running step's signal (its outcome is
   * no longer awaited), and compensates every step that started, the running one included.
   * Refused (`false`) once the saga's pivot has succeeded (it can only go forward then), while it
   * compensates, or after it ended.
   *
   * @param reason shown in the outcome and history (`cancelled`); at most 200 characters kept
   * @returns whether this call turned the saga around
   * @throws RangeError when no saga has that id
   * @throws SagaDefinitionMismatchError for a replayed saga whose definition is not registered
   * @throws SagaOrchestratorStoppedError after `close()` or a failed write
   */
  cancel(id: string, reason = 'cancelled'): boolean {
    this.alive();
    const run = this.runs.get(id);
    if (run === undefined) throw new RangeError(`SagaOrchestrator.cancel: no saga has id ${show(id)}`);
    if (typeof reason !== 'string') throw new TypeError(`SagaOrchestrator.cancel: reason must be a string, got ${show(reason)}`);
    if (run.state.phase !== 'forward') return false;
    run.definition ??= this.definitionFor(run.state);
    const pivot = run.definition.pivotIndex;
    if (pivot !== undefined && run.state.steps[pivot]?.phase === 'succeeded') return false;
    this.write(run, { type: 'saga-cancelled', sagaId: id, reason: reason.slice(0, 200), at: this.clock.now() });
    this.clearDeadline(run);
    // The running call is abandoned; compensations get a fresh signal.
    const abandoned = run.controller;
    run.controller = new AbortController();
    abandoned.abort(new Error(`saga ${id} cancelled: ${reason}`));
    return true;
  }

  /**
   * The outcome of saga `id` once it ends (at once for an ended saga it keeps).
   *
   * @throws (rejects) RangeError when no saga has that id (never started, or forgotten)
   * @throws (rejects) SagaOrchestratorStoppedError when the orchestrator stops first
   */
  wait(id: string): Promise<SagaOutcome> {
    const run = this.runs.get(id);
    if (run === undefined) return Promise.reject(new RangeError(`SagaOrchestrator.wait: no saga has id ${show(id)}`));
    if (run.state.phase === 'ended') return Promise.resolve(outcomeOf(run.state));
    if (this.stopCause !== undefined) return Promise.reject(this.stopCause);
    return new Promise((resolve, reject) => run.waiters.push({ resolve, reject }));
  }

  /** Saga `id`'s history (every step, its attempts, results, errors and compensation; the events), or `undefined`. */
  get(id: string): SagaHistory | undefined {
    const run = this.runs.get(id);
    return run === undefined ? undefined : historyOf(run);
  }

  /**
   * The sagas it knows, newest first: every running one and up to `maxEndedSagas` ended ones.
   *
   * @param options `status`: only those; `limit`: at most that many (default 100)
   */
  list(options: { readonly status?: SagaStatus; readonly limit?: number } = {}): SagaSummary[] {
    const limit = integer('SagaOrchestrator.list', 'limit', options.limit, 100, 0);
    const out: SagaSummary[] = [];
    const runs = [...this.runs.values()];
    for (let i = runs.length - 1; i >= 0 && out.length < limit; i--) {
      const run = runs[i] as SagaRun;
      if (options.status === undefined || run.state.status === options.status) out.push(summaryOf(run));
    }
    return out;
  }

  /** Live counters since construction. */
  metrics(): SagaOrchestratorMetrics {
    let active = 0;
    for (const run of this.runs.values()) if (run.state.phase !== 'ended') active++;
    return { ...this.counters, active };
  }

  /**
   * Rewrites the log with only the records of the sagas it knows (running ones, and the kept
   * ended ones): forgotten sagas' records go. Done on its own after `compactAfterRecords`.
   *
   * @throws TypeError when the log cannot compact
   * @throws SagaOrchestratorStoppedError when the log fails (the orchestrator stops; `cause` is the failure)
   */
  compact(): void {
    this.alive();
    if (typeof this.log.compact !== 'function') throw new TypeError('SagaOrchestrator.compact: options.log has no compact()');
    const live: Uint8Array[] = [];
    for (const run of this.runs.values()) live.push(...run.records);
    try {
      this.log.compact(live);
    } catch (error) {
      this.stop(error);
      throw this.stopCause;
    }
    this.recordsSinceCompaction = 0;
    this.counters.compactions++;
  }

  /**
   * Stops: running actions' signals abort, no further record is written, and every `start()` or
   * `wait()` still pending rejects with {@link SagaOrchestratorStoppedError}. Closes the log when
   * `open()` opened it. Idempotent. The sagas continue after a restart and `resume()`.
   */
  close(): void {
    this.stop(undefined);
  }

  // ---------------------------------------------------------------------------------------------

  private replay(records: readonly Uint8Array[]): void {
    records.forEach((bytes, index) => {
      if (!(bytes instanceof Uint8Array)) throw new TypeError(`SagaOrchestrator: options.records[${index}] must be a Uint8Array, got ${show(bytes)}`);
      const record = decodeSagaRecord(bytes, index);
      const run = this.runs.get(record.sagaId);
      this.apply(run, record, bytes, this.definitions.get(record.type === 'saga-started' ? record.saga : (run?.state.saga ?? '')), index);
    });
    // Definitions registered under the replayed names are checked now, not at the first resume.
    for (const run of this.runs.values()) if (run.definition !== undefined && run.state.phase !== 'ended') this.definitionFor(run.state);
  }

  /** Folds a record (already durable) into its saga. */
  private apply(run: SagaRun | undefined, record: SagaRecord, bytes: Uint8Array, definition: SagaDefinition<unknown> | undefined, index = 0): SagaRun {
    const state = applySagaRecord(run?.state, record, index);
    if (run === undefined) {
      run = newRun(state, definition);
      this.runs.set(state.id, run);
    }
    run.records.push(bytes);
    run.events.push(recordEvent(state, record));
    if (state.phase === 'ended') this.ended.push(state.id);
    this.forget();
    return run;
  }

  /** Forces `bytes` (append + sync), then applies it: the record the state reflects is durable. */
  private force(run: SagaRun | undefined, bytes: Uint8Array, definition?: SagaDefinition<unknown>): SagaRun {
    this.alive();
    try {
      this.log.append(bytes);
      this.log.sync();
    } catch (error) {
      this.stop(error);
      throw this.stopCause;
    }
    this.counters.records++;
    this.recordsSinceCompaction++;
    // Apply the decoded bytes, not the object: the state must be what a replay would rebuild.
    return this.apply(run, decodeSagaRecord(bytes), bytes, definition ?? run?.definition);
  }

  private write(run: SagaRun, record: SagaRecord): void {
    this.force(run, encodeSagaRecord(record));
  }

  /** The driver loop: does what the state says next until the saga ends or the orchestrator stops. */
  private async drive(run: SagaRun): Promise<void> {
    run.driving = true;
    const definition = run.definition as SagaDefinition<unknown>;
    const shape: SagaShape = { compensable: definition.steps.map((s) => s.compensate !== undefined) };
    const sagaId = run.state.id;
    this.armDeadline(run);
    try {
      for (;;) {
        if (this.stopped) return;
        const action = nextSagaAction(run.state, shape);
        switch (action.kind) {
          case 'none':
            return;
          case 'start-step':
            this.write(run, { type: 'step-started', sagaId, step: action.step, at: this.clock.now() });
            break;
          case 'run-step': {
            const outcome = await this.runStep(run, action.step);
            if (this.stopped) return;
            if (run.state.phase !== 'forward') break; // cancelled meanwhile: the outcome no longer counts
            const attempts = run.stepAttempts[action.step] ?? 0;
            const at = this.clock.now();
            if (outcome.ok) {
              const record = { type: 'step-succeeded', sagaId, step: action.step, attempts, at } as const;
              this.write(run, outcome.result === undefined ? record : { ...record, result: outcome.result });
            } else {
              this.write(run, { type: 'step-failed', sagaId, step: action.step, error: errorInfo(outcome.error), attempts, at });
            }
            break;
          }
          case 'start-compensation':
            this.write(run, { type: 'compensation-started', sagaId, step: action.step, at: this.clock.now() });
            break;
          case 'run-compensation':
            await this.runCompensation(run, action.step);
            if (this.stopped) return;
            this.write(run, { type: 'compensation-done', sagaId, step: action.step, attempts: run.compensationAttempts[action.step] ?? 0, at: this.clock.now() });
            break;
          case 'end':
            this.clearDeadline(run);
            this.write(run, { type: 'saga-ended', sagaId, status: action.status, at: this.clock.now() });
            this.finish(run);
            return;
        }
      }
    } catch (error) {
      // Only a failed write (which stopped us already) or a bug lands here.
      this.stop(error);
    } finally {
      run.driving = false;
    }
  }

  /** Runs step `i`'s action to an outcome: the retry policy's, or forever after the pivot. */
  private async runStep(run: SagaRun, i: number): Promise<StepOutcome> {
    const definition = run.definition as SagaDefinition<unknown>;
    const step = definition.steps[i] as SagaStep<unknown>;
    const forever = definition.pivotIndex !== undefined && i > definition.pivotIndex;
    const { retry, timeout } = this.policiesOf(step);
    for (let round = 1; ; round++) {
      let outcome: StepOutcome;
      try {
        const result = await retry.execute(
          ({ attempt, signal }) => this.attempt(run, i, false, timeout, signal, attempt, (context) => step.action(context)),
          { signal: run.controller.signal },
        );
        outcome = this.checkResult(step, result);
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (this.stopped || outcome.ok || !forever) return outcome;
      await this.sleep(this.roundBackoff.delay(round, 0, this.random));
      if (this.stopped) return outcome;
    }
  }

  /** Runs step `i`'s compensation until it succeeds: rounds of its retry policy, with `roundBackoff` between. */
  private async runCompensation(run: SagaRun, i: number): Promise<void> {
    const step = (run.definition as SagaDefinition<unknown>).steps[i] as SagaStep<unknown>;
    const compensate = step.compensate as NonNullable<SagaStep<unknown>['compensate']>;
    const { retry, timeout } = this.policiesOf(step);
    const state = run.state.steps[i];
    const succeeded = state?.phase === 'succeeded';
    for (let round = 1; ; round++) {
      try {
        await retry.execute(
          ({ attempt, signal }) =>
            this.attempt(run, i, true, timeout, signal, attempt, (context) => compensate({ ...context, succeeded, result: succeeded ? state?.result : undefined })),
          { signal: run.controller.signal },
        );
        return;
      } catch {
        if (this.stopped) return;
      }
      await this.sleep(this.roundBackoff.delay(round, 0, this.random));
      if (this.stopped) return;
    }
  }

  /** One attempt of an action or compensation, under the step's timeout, counted and recorded in the history. */
  private async attempt(
    run: SagaRun,
    i: number,
    compensation: boolean,
    timeout: TimeoutPolicy | undefined,
    signal: AbortSignal,
    attempt: number,
    call: (context: Parameters<SagaStep<unknown>['action']>[0]) => unknown,
  ): Promise<unknown> {
    const counts = compensation ? run.compensationAttempts : run.stepAttempts;
    counts[i] = (counts[i] ?? 0) + 1;
    const { state } = run;
    // Forward: only earlier steps have succeeded. Compensating: every succeeded step's result.
    const results = resultsOf(state);
    const base = {
      sagaId: state.id,
      stepIndex: i,
      stepName: state.stepNames[i] as string,
      idempotencyKey: `${state.id}:${i}`,
      input: state.input,
      results: Object.freeze(results),
    };
    const invoke = (s: AbortSignal, n: number): unknown => call(Object.freeze({ ...base, attempt: n, signal: s }));
    try {
      return await (timeout === undefined ? invoke(signal, attempt) : timeout.execute(({ signal: s }) => invoke(s, attempt), { signal, attempt }));
    } catch (error) {
      if (!this.stopped) {
        const info = errorInfo(error);
        (compensation ? run.compensationLastError : run.stepLastError)[i] = info;
        const type = compensation ? 'compensation-attempt-failed' : 'attempt-failed';
        addAttemptEvent(run, { type, at: this.clock.now(), step: base.stepName, attempt: counts[i], error: info }, this.maxEventsPerSaga);
      }
      throw error;
    }
  }

  /** A result the log can hold: JSON, within `maxRecordBytes` (with the record around it). */
  private checkResult(step: SagaStep<unknown>, result: unknown): StepOutcome {
    if (result === undefined) return { ok: true, result };
    let json: string | undefined;
    try {
      json = JSON.stringify(result);
    } catch (error) {
      return { ok: false, error: new InvalidStepResultError(step.name, `not JSON-serializable (${errorInfo(error).message})`) };
    }
    if (json === undefined) return { ok: false, error: new InvalidStepResultError(step.name, `not JSON-serializable (${typeof result})`) };
    // 200 bytes cover the record's other fields; a string of n UTF-16 units encodes to ≤ 3n bytes.
    const fits = json.length * 3 + 200 <= this.maxRecordBytes || new TextEncoder().encode(json).byteLength + 200 <= this.maxRecordBytes;
    if (!fits) {
      return { ok: false, error: new InvalidStepResultError(step.name, `larger than maxRecordBytes (${this.maxRecordBytes})`) };
    }
    return { ok: true, result: JSON.parse(json) as unknown };
  }

  private policiesOf(step: SagaStep<unknown>): StepPolicies {
    let policies = this.policies.get(step);
    if (policies === undefined) {
      policies = {
        retry: new RetryPolicy({ ...step.retry, clock: this.clock, random: this.random }),
        timeout: step.timeoutMs === undefined ? undefined : new TimeoutPolicy({ timeoutMs: step.timeoutMs, strategy: 'aggressive', clock: this.clock }),
      };
      this.policies.set(step, policies);
    }
    return policies;
  }

  /** Arms the saga's deadline timer, if it has a deadline and none is armed: at the deadline, `cancel()`. */
  private armDeadline(run: SagaRun): void {
    const { deadline } = run.state;
    if (deadline === undefined || run.deadlineTimer !== undefined || run.state.phase !== 'forward') return;
    run.deadlineTimer = this.clock.setTimeout(() => {
      run.deadlineTimer = undefined;
      if (this.stopped) return;
      try {
        this.cancel(run.state.id, `deadline passed (${deadline - run.state.startedAt} ms)`);
      } catch {
        // a failed write stopped the orchestrator: nothing more to do here
      }
    }, deadline - this.clock.now());
  }

  private clearDeadline(run: SagaRun): void {
    if (run.deadlineTimer !== undefined) {
      this.clock.clearTimeout(run.deadlineTimer);
      run.deadlineTimer = undefined;
    }
  }

  /** The saga ended: answer its waiters, forget the oldest ended sagas, compact when due. */
  private finish(run: SagaRun): void {
    const outcome = outcomeOf(run.state);
    if (outcome.status === 'completed') this.counters.completed++;
    else this.counters.compensated++;
    for (const waiter of run.waiters.splice(0)) waiter.resolve(outcome);
    if (this.recordsSinceCompaction >= this.compactAfterRecords && typeof this.log.compact === 'function') this.compact();
  }

  private forget(): void {
    while (this.ended.length > this.maxEndedSagas) this.runs.delete(this.ended.shift() as string);
  }

  private definitionFor(state: SagaState): SagaDefinition<unknown> {
    const definition = this.definitions.get(state.saga);
    if (definition === undefined) throw new SagaDefinitionMismatchError(state.id, state.saga, 'no saga of that name is registered');
    const names = definition.steps.map((s) => s.name);
    if (names.length !== state.stepNames.length || names.some((name, i) => name !== state.stepNames[i])) {
      throw new SagaDefinitionMismatchError(state.id, state.saga, `the log has steps [${state.stepNames.join(', ')}], the definition [${names.join(', ')}]`);
    }
    return definition;
  }

  private newId(): string {
    const part = (): string => Math.floor(this.random() * 0x100000000).toString(16).padStart(8, '0');
    for (;;) {
      const id = `saga-${part()}${part()}`;
      if (!this.runs.has(id)) return id;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const sleeper = {
        handle: undefined as TimerHandle,
        resolve: () => {
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      sleeper.handle = this.clock.setTimeout(sleeper.resolve, ms);
      this.sleepers.add(sleeper);
    });
  }

  private alive(): void {
    if (this.stopCause !== undefined) throw this.stopCause;
  }

  private stop(cause: unknown): void {
    if (this.stopCause !== undefined) return;
    this.stopCause = new SagaOrchestratorStoppedError(cause);
    for (const run of this.runs.values()) {
      this.clearDeadline(run);
      run.controller.abort(this.stopCause);
    }
    for (const sleeper of [...this.sleepers]) {
      this.clock.clearTimeout(sleeper.handle);
      sleeper.resolve();
    }
    for (const run of this.runs.values()) for (const waiter of run.waiters.splice(0)) waiter.reject(this.stopCause);
    try {
      this.ownedLog?.close();
    } catch {
      // a crashed disk: nothing more to lose
    }
  }
}

function checkClock(clock: unknown): Clock {
  const c = clock as Partial<Clock> | null;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new TypeError(`SagaOrchestrator: options.clock must be a Clock (now, setTimeout, clearTimeout), got ${show(clock)}`);
  }
  return clock as Clock;
}

function integer(where: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${where}: options.${name} must be an integer ≥ ${min}, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${where}: options.${name} must be an integer ≥ ${min}, got ${show(value)}`);
  return value;
}

function checkId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError(`SagaOrchestrator.start: options.id must be a string, got ${show(id)}`);
  if (!SAGA_NAME_PATTERN.test(id)) throw new RangeError(`SagaOrchestrator.start: options.id must be 1 to 100 of A-Z a-z 0-9 . _ : -, got ${show(id)}`);
  return id;
}
