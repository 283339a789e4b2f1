import type { Backoff } from '../../policies/backoff/backoff.js';
import { RetryPolicy } from '../../policies/retry.js';
import { TimeoutPolicy } from '../../policies/timeout.js';
import type { Clock, TimerHandle } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import type { SagaDefinition, SagaStep } from './define-saga.js';
import { InvalidStepResultError } from './errors/invalid-step-result-error.js';
import { errorInfo } from './saga-record.js';
import { addAttemptEvent, resultsOf, type SagaRun } from './saga-run.js';

/** How a step's action ended: its (JSON round-tripped) result, or the error the saga records. */
export type StepOutcome = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: unknown };

interface StepPolicies {
  readonly retry: RetryPolicy;
  readonly timeout: TimeoutPolicy | undefined;
}

/** What {@link SagaStepRunner} needs from its orchestrator. */
export interface SagaStepRunnerOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly roundBackoff: Backoff;
  readonly maxRecordBytes: number;
  readonly maxEventsPerSaga: number;
  /** True once the orchestrator stopped: no further attempt, no further wait. */
  readonly isStopped: () => boolean;
}

/**
 * Runs the calls of a saga's steps for the orchestrator: an action to an outcome under the
 * step's retry and timeout policies (in rounds forever after the pivot), a compensation until it
 * succeeds; counts attempts and records failed ones in the saga's history. Writes no record: the
 * orchestrator forces the outcome afterwards.
 */
export class SagaStepRunner {
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly roundBackoff: Backoff;
  private readonly maxRecordBytes: number;
  private readonly maxEventsPerSaga: number;
  private readonly isStopped: () => boolean;
  private readonly policies = new WeakMap<SagaStep<unknown>, StepPolicies>();
  private readonly sleepers = new Set<{ handle: TimerHandle; resolve: () => void }>();

  constructor(options: SagaStepRunnerOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.roundBackoff = options.roundBackoff;
    this.maxRecordBytes = options.maxRecordBytes;
    this.maxEventsPerSaga = options.maxEventsPerSaga;
    this.isStopped = options.isStopped;
  }

  /** Ends every wait between rounds now (the orchestrator stopped). */
  wakeAll(): void {
    for (const sleeper of [...this.sleepers]) {
      this.clock.clearTimeout(sleeper.handle);
      sleeper.resolve();
    }
  }

  /** Runs step `i`'s action to an outcome: the retry policy's, or forever after the pivot. */
  async runStep(run: SagaRun, i: number): Promise<StepOutcome> {
    const definition = run.definition as SagaDefinition<unknown>;
    const step = definition.steps[i] as SagaStep<unknown>;
    const forever = definition.pivotIndex !== undefined && i > definition.pivotIndex;
    const { retry, timeout } = this.policiesOf(step);
    for (let round = 1; ; round++) {
      let outcome: StepOutcome;
      try {
        const result = await retry.execute(
          ({ signal }) => this.attempt(run, i, false, timeout, signal, (context) => step.action(context)),
          { signal: run.controller.signal },
        );
        outcome = this.checkResult(step, result);
      } catch (error) {
        outcome = { ok: false, error };
      }
      if (this.isStopped() || outcome.ok || !forever) return outcome;
      await this.sleep(this.roundBackoff.delay(round, 0, this.random));
      if (this.isStopped()) return outcome;
    }
  }

  /** Runs step `i`'s compensation until it succeeds: rounds of its retry policy, with `roundBackoff` between. */
  async runCompensation(run: SagaRun, i: number): Promise<void> {
    const step = (run.definition as SagaDefinition<unknown>).steps[i] as SagaStep<unknown>;
    const compensate = step.compensate as NonNullable<SagaStep<unknown>['compensate']>;
    const { retry, timeout } = this.policiesOf(step);
    const state = run.state.steps[i];
    const succeeded = state?.phase === 'succeeded';
    for (let round = 1; ; round++) {
      try {
        await retry.execute(
          ({ signal }) =>
            this.attempt(run, i, true, timeout, signal, (context) => compensate(Object.freeze({ ...context, succeeded, result: succeeded ? state?.result : undefined }))),
          { signal: run.controller.signal },
        );
        return;
      } catch {
        if (this.isStopped()) return;
      }
      await this.sleep(this.roundBackoff.delay(round, 0, this.random));
      if (this.isStopped()) return;
    }
  }

  /** One attempt of an action or compensation, under the step's timeout, counted and recorded in the history. */
  private async attempt(
    run: SagaRun,
    i: number,
    compensation: boolean,
    timeout: TimeoutPolicy | undefined,
    signal: AbortSignal,
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
    // Attempts count across the rounds of retries (after the pivot, and for compensations).
    const n = counts[i];
    const invoke = (s: AbortSignal): unknown => call(Object.freeze({ ...base, attempt: n, signal: s }));
    try {
      return await (timeout === undefined ? invoke(signal) : timeout.execute(({ signal: s }) => invoke(s), { signal, attempt: n }));
    } catch (error) {
      if (!this.isStopped()) {
        const info = errorInfo(error);
        (compensation ? run.compensationLastError : run.stepLastError)[i] = info;
        const type = compensation ? 'compensation-attempt-failed' : 'attempt-failed';
        addAttemptEvent(run, { type, at: this.clock.now(), step: base.stepName, attempt: n, error: info }, this.maxEventsPerSaga);
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

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.isStopped()) return resolve();
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
}
