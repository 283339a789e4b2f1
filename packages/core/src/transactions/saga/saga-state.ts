import { SagaLogCorruptionError } from './errors/saga-log-corruption-error.js';
import type { SagaErrorInfo, SagaRecord } from './saga-record.js';

/**
 * Where a step stands, as the log says:
 * - `'pending'`: not started (no `step-started`): it never ran and is never compensated;
 * - `'started'`: `step-started` written, no outcome yet: it may have taken effect;
 * - `'succeeded'`, `'failed'`: its outcome is logged.
 */
export type StepPhase = 'pending' | 'started' | 'succeeded' | 'failed';

/** Where a step's compensation stands: `'none'` (not begun), `'started'`, `'done'`. */
export type CompensationPhase = 'none' | 'started' | 'done';

/** One step's logged state. */
export interface StepState {
  phase: StepPhase;
  result?: unknown;
  error?: SagaErrorInfo;
  /** Attempts as logged with the outcome (0 while running). */
  attempts: number;
  startedAt?: number;
  endedAt?: number;
  compensation: CompensationPhase;
  compensationAttempts: number;
  compensationStartedAt?: number;
  compensationEndedAt?: number;
}

/**
 * A saga instance's state, folded from its records by {@link applySagaRecord}. Invariants (each
 * record is checked against them, so a log that breaks one is reported, not obeyed):
 * - steps start in order, each after the one before it succeeded; at most one is `'started'`;
 * - `phase` is `'compensating'` exactly after a `step-failed` or a `saga-cancelled` (only while
 *   going forward); no step starts, and no step outcome is taken, after that;
 * - compensations start one at a time, in strictly decreasing step order, only for steps that
 *   started, each at most once;
 * - nothing follows `saga-ended` but a `saga-started` of the same id, which begins a new run
 *   (a new state).
 */
export interface SagaState {
  readonly id: string;
  readonly saga: string;
  readonly stepNames: readonly string[];
  readonly input: unknown;
  readonly startedAt: number;
  phase: 'forward' | 'compensating' | 'ended';
  status: 'running' | 'compensating' | 'completed' | 'compensated';
  readonly steps: StepState[];
  /** The step whose failure made the saga compensate. */
  failedStep?: number;
  /** Why the saga was cancelled, when it was. */
  cancelled?: string;
  /** When the saga is cancelled if still going forward (orchestrator clock, ms). */
  readonly deadline?: number;
  endedAt?: number;
}


/** A fresh state for a `saga-started` record. */
function started(record: Extract<SagaRecord, { type: 'saga-started' }>): SagaState {
  return {
    id: record.sagaId,
    saga: record.saga,
    stepNames: record.steps,
    input: record.input,
    startedAt: record.at,
    phase: 'forward',
    status: 'running',
    steps: record.steps.map(() => ({ phase: 'pending', attempts: 0, compensation: 'none', compensationAttempts: 0 })),
    ...(record.deadline === undefined ? {} : { deadline: record.deadline }),
  };
}

/**
 * Folds one record into a saga's state: pure but for mutating `state` (returned; a new state
 * for `saga-started`, also after an ended run of that id). `state` is `undefined` for a saga not
 * seen yet.
 *
 * @param index the record's position in the log, for the error
 * @throws SagaLogCorruptionError when the record breaks an invariant of {@link SagaState}
 */
export function applySagaRecord(state: SagaState | undefined, record: SagaRecord, index = 0): SagaState {
  const fail = (reason: string): never => {
    throw new SagaLogCorruptionError(index, reason);
  };
  if (record.type === 'saga-started') {
    // After its end, an id may begin a new run (a log written while the first run was forgotten):
    // the new state replaces the old. While a run is going, a second start is corruption.
    if (state !== undefined && state.phase !== 'ended') fail(`saga ${record.sagaId} started twice`);
    return started(record);
  }
  if (state === undefined) return fail(`${record.type} for saga ${record.sagaId}, which never started`);
  if (state.phase === 'ended') fail(`${record.type} after saga ${state.id} ended`);
  if (record.type === 'saga-cancelled') {
    if (state.phase !== 'forward') fail('saga-cancelled while compensating');
    state.phase = 'compensating';
    state.status = 'compensating';
    state.cancelled = record.reason;
    return state;
  }
  if (record.type === 'saga-ended') {
    if (record.status === 'completed') {
      if (state.phase !== 'forward' || state.steps.some((s) => s.phase !== 'succeeded')) fail('saga-ended completed before every step succeeded');
    } else {
      if (state.phase !== 'compensating') fail('saga-ended compensated without a failed step or a cancellation');
      if (state.steps.some((s) => s.compensation === 'started')) fail('saga-ended compensated with a compensation running');
    }
    state.phase = 'ended';
    state.status = record.status;
    state.endedAt = record.at;
    return state;
  }
  const i = record.step;
  const step = state.steps[i];
  if (step === undefined) return fail(`${record.type} for step ${i} of a saga of ${state.steps.length} steps`);
  switch (record.type) {
    case 'step-started':
      if (state.phase !== 'forward') fail(`step-started ${i} while compensating`);
      if (step.phase !== 'pending') fail(`step-started ${i} twice`);
      if (i > 0 && state.steps[i - 1]?.phase !== 'succeeded') fail(`step-started ${i} before step ${i - 1} succeeded`);
      step.phase = 'started';
      step.startedAt = record.at;
      return state;
    case 'step-succeeded':
    case 'step-failed':
      if (state.phase !== 'forward' || step.phase !== 'started') fail(`${record.type} ${i} for a step that is not running`);
      step.attempts = record.attempts;
      step.endedAt = record.at;
      if (record.type === 'step-succeeded') {
        step.phase = 'succeeded';
        if ('result' in record) step.result = record.result;
      } else {
        step.phase = 'failed';
        step.error = record.error;
        state.phase = 'compensating';
        state.status = 'compensating';
        state.failedStep = i;
      }
      return state;
    case 'compensation-started':
      if (state.phase !== 'compensating') fail(`compensation-started ${i} without a failed step`);
      if (step.phase === 'pending') fail(`compensation-started ${i} for a step that never started`);
      if (step.compensation !== 'none') fail(`compensation-started ${i} twice`);
      for (let j = 0; j < state.steps.length; j++) {
        const other = state.steps[j] as StepState;
        if (other.compensation === 'started') fail(`compensation-started ${i} while step ${j}'s compensation runs`);
        if (j < i && other.compensation !== 'none') fail(`compensation-started ${i} after step ${j}'s: not in reverse order`);
      }
      step.compensation = 'started';
      step.compensationStartedAt = record.at;
      return state;
    case 'compensation-done':
      if (step.compensation !== 'started') fail(`compensation-done ${i} for a compensation that is not running`);
      step.compensation = 'done';
      step.compensationAttempts = record.attempts;
      step.compensationEndedAt = record.at;
      return state;
  }
}

/** What the definition tells the state machine: which steps have a compensation. */
export interface SagaShape {
  /** `compensable[i]`: step i has a `compensate` (so it is before the pivot). */
  readonly compensable: readonly boolean[];
}

/**
 * What the orchestrator must do next for a saga; each `start-*` and `end` is a record to force,
 * each `run-*` a call to make (and then a record):
 * - `start-step` / `run-step`: the forward step `step` (`run-step` also after a crash that left
 *   it started: it runs again, with the same idempotency key);
 * - `start-compensation` / `run-compensation`: step `step`'s compensation;
 * - `end`: write `saga-ended` with `status`;
 * - `none`: the saga has ended.
 */
export type SagaAction =
  | { readonly kind: 'start-step'; readonly step: number }
  | { readonly kind: 'run-step'; readonly step: number }
  | { readonly kind: 'start-compensation'; readonly step: number }
  | { readonly kind: 'run-compensation'; readonly step: number }
  | { readonly kind: 'end'; readonly status: 'completed' | 'compensated' }
  | { readonly kind: 'none' };

/**
 * The next action for `state` (pure). Forward: the first step not succeeded. Compensating: the
 * running compensation, else the highest started step with a compensation not yet begun
 * (reverse order; steps that never started are skipped), else the end.
 */
export function nextSagaAction(state: SagaState, shape: SagaShape): SagaAction {
  if (state.phase === 'ended') return { kind: 'none' };
  if (state.phase === 'forward') {
    const i = state.steps.findIndex((s) => s.phase !== 'succeeded');
    if (i < 0) return { kind: 'end', status: 'completed' };
    return (state.steps[i] as StepState).phase === 'pending' ? { kind: 'start-step', step: i } : { kind: 'run-step', step: i };
  }
  const running = state.steps.findIndex((s) => s.compensation === 'started');
  if (running >= 0) return { kind: 'run-compensation', step: running };
  for (let i = state.steps.length - 1; i >= 0; i--) {
    const step = state.steps[i] as StepState;
    if (step.phase !== 'pending' && step.compensation === 'none' && shape.compensable[i] === true) return { kind: 'start-compensation', step: i };
  }
  return { kind: 'end', status: 'compensated' };
}
