import { exponentialBackoff } from '../../policies/backoff/backoff.js';
import { show } from '../../policies/validate.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { systemRandom, type Random } from '../../time/random.js';
import { RecordLog } from '../log/record-log.js';
import { isSagaDefinition, type SagaDefinition } from './define-saga.js';
import { SagaDefinitionMismatchError } from './errors/saga-definition-mismatch-error.js';
import { SagaIdConflictError } from './errors/saga-id-conflict-error.js';
import { SagaOrchestratorStoppedError } from './errors/saga-orchestrator-stopped-error.js';
import type { SagaHistory, SagaOutcome, SagaStatus, SagaSummary } from './saga-history.js';
import type { SagaLog } from './saga-log.js';
import {
  checkClock,
  checkId,
  integer,
  type SagaOrchestratorMetrics,
  type SagaOrchestratorOpenOptions,
  type SagaOrchestratorOptions,
  type SagaStartOptions,
} from './saga-orchestrator-options.js';
import { decodeSagaRecord, encodeSagaRecord, errorInfo, type SagaRecord } from './saga-record.js';
import { historyOf, newRun, outcomeOf, recordEvent, summaryOf, type SagaRun } from './saga-run.js';
import { SagaStepRunner } from './saga-step-runner.js';
import { applySagaRecord, nextSagaAction, type SagaShape, type SagaState } from './saga-state.js';

const MiB = 1024 * 1024;
const STATUSES: readonly SagaStatus[] = ['running', 'compensating', 'completed', 'compensated'];

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
  private readonly definitions = new Map<string, SagaDefinition<unknown>>();
  /** Every known saga, in start order (a Map keeps insertion order). */
  private readonly runs = new Map<string, SagaRun>();
  /** Ended sagas' ids, oldest first. */
  private readonly ended: string[] = [];
  /**
   * Ids forgotten (past `maxEndedSagas`) since the last compaction, with their saga's name: their
   * records are still in the log, so `start()` refuses them until a compaction removed those.
   */
  private readonly forgotten = new Map<string, string>();
  private readonly steps: SagaStepRunner;
  private stopCause: SagaOrchestratorStoppedError | undefined;
  private recordsSinceCompaction = 0;
  private counters = { started: 0, completed: 0, compensated: 0, records: 0, compactions: 0 };

  /**
   * Replays `records` (each saga's state as its records left it; nothing runs until `resume()`
   * or a `start()` with its id).
   *
   * @param ownedLog internal (`open()`): a log the orchestrator closes when it stops
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
    const roundBackoff = options.roundBackoff ?? exponentialBackoff({ initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 'equal' });
    this.steps = new SagaStepRunner({
      clock: this.clock,
      random: this.random,
      roundBackoff,
      maxRecordBytes: this.maxRecordBytes,
      maxEventsPerSaga: this.maxEventsPerSaga,
      isStopped: () => this.stopped,
    });
    if (options.sagas !== undefined) {
      if (!Array.isArray(options.sagas)) throw new TypeError(`${where}: options.sagas must be an array of defineSaga() results, got ${show(options.sagas)}`);
      options.sagas.forEach((saga: unknown, i) => this.registerAs(saga as SagaDefinition<never>, `${where}: options.sagas[${i}]`));
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
  register(saga: SagaDefinition<never>): void {
    this.registerAs(saga, 'SagaOrchestrator.register: saga');
  }

  private registerAs(saga: SagaDefinition<never>, where: string): void {
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
   * @throws (rejects) SagaIdConflictError when `options.id` names a saga of another name, or an
   *   ended saga no longer kept (past `maxEndedSagas`) whose records the log holds until the next
   *   compaction (`forgotten: true`)
   * @throws (rejects) SagaOrchestratorStoppedError when the orchestrator stops first (the saga
   *   continues after a restart and `resume()`)
   */
  start<I>(saga: SagaDefinition<I>, input: I, options: SagaStartOptions = {}): Promise<SagaOutcome> {
    try {
      this.alive();
      this.registerAs(saga as SagaDefinition<never>, 'SagaOrchestrator.start: saga');
      if (typeof options !== 'object' || options === null) throw new TypeError(`SagaOrchestrator.start: options must be an object, got ${show(options)}`);
      const id = options.id === undefined ? this.newId() : checkId(options.id);
      const existing = this.runs.get(id);
      const forgotten = this.forgotten.get(id);
      if (forgotten !== undefined) throw new SagaIdConflictError(id, forgotten, saga.name, true);
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
   * The outcome of saga `id` once it ends (at once for an ended saga it keeps). A replayed saga
   * ends only once `resume()` (or a `start()` with its id) continues it.
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
   * @throws RangeError / TypeError for a bad `status` or `limit`
   */
  list(options: { readonly status?: SagaStatus; readonly limit?: number } = {}): SagaSummary[] {
    const limit = integer('SagaOrchestrator.list', 'limit', options.limit, 100, 0);
    if (options.status !== undefined && !STATUSES.includes(options.status)) {
      throw new RangeError(`SagaOrchestrator.list: options.status must be one of ${STATUSES.join(', ')}, got ${show(options.status)}`);
    }
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
    // The forgotten sagas' records are gone: their ids may name new sagas.
    this.forgotten.clear();
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
    if (run !== undefined && state !== run.state) {
      // A new run of an ended saga's id (a log written while the first run was forgotten, replayed
      // with a larger maxEndedSagas): it replaces the old one, whose records go at the next compaction.
      this.runs.delete(state.id);
      this.ended.splice(this.ended.indexOf(state.id), 1);
      run = undefined;
    }
    if (run === undefined) {
      run = newRun(state, definition);
      this.runs.set(state.id, run);
      this.forgotten.delete(state.id);
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
            const outcome = await this.steps.runStep(run, action.step);
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
            await this.steps.runCompensation(run, action.step);
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
    while (this.ended.length > this.maxEndedSagas) {
      const id = this.ended.shift() as string;
      const run = this.runs.get(id);
      this.runs.delete(id);
      if (run !== undefined) this.forgotten.set(id, run.state.saga);
    }
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
      if (!this.runs.has(id) && !this.forgotten.has(id)) return id;
    }
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
    this.steps.wakeAll();
    for (const run of this.runs.values()) for (const waiter of run.waiters.splice(0)) waiter.reject(this.stopCause);
    try {
      this.ownedLog?.close();
    } catch {
      // a crashed disk: nothing more to lose
    }
  }
}
