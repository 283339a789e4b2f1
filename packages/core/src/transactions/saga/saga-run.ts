import type { SagaDefinition } from './define-saga.js';
import type { SagaEvent, SagaHistory, SagaOutcome, SagaStepHistory, SagaSummary } from './saga-history.js';
import type { SagaErrorInfo, SagaRecord } from './saga-record.js';
import type { SagaState, StepState } from './saga-state.js';

/** What the orchestrator keeps of one saga instance: its logged state and this process's extras. */
export interface SagaRun {
  state: SagaState;
  /** `undefined` until a definition of that name is known (a replayed saga before `resume`). */
  definition: SagaDefinition<unknown> | undefined;
  /** The saga's records as logged, for compaction. */
  readonly records: Uint8Array[];
  readonly events: SagaEvent[];
  /** Attempt events in `events`, capped by the orchestrator's `maxEventsPerSaga`. */
  attemptEvents: number;
  readonly stepAttempts: number[];
  readonly stepLastError: (SagaErrorInfo | undefined)[];
  readonly compensationAttempts: number[];
  readonly compensationLastError: (SagaErrorInfo | undefined)[];
  /** True while a driver loop runs this saga (never two at once). */
  driving: boolean;
  /** Aborts the saga's running call: on `cancel()` (then replaced by a fresh one) and on stop. */
  controller: AbortController;
  /** The deadline timer, while armed. */
  deadlineTimer: unknown;
  readonly waiters: Array<{ resolve(outcome: SagaOutcome): void; reject(error: unknown): void }>;
}

/** A run for a saga's first state. */
export function newRun(state: SagaState, definition: SagaDefinition<unknown> | undefined): SagaRun {
  const n = state.steps.length;
  return {
    state,
    definition,
    records: [],
    events: [],
    attemptEvents: 0,
    stepAttempts: new Array<number>(n).fill(0),
    stepLastError: new Array<SagaErrorInfo | undefined>(n).fill(undefined),
    compensationAttempts: new Array<number>(n).fill(0),
    compensationLastError: new Array<SagaErrorInfo | undefined>(n).fill(undefined),
    driving: false,
    controller: new AbortController(),
    deadlineTimer: undefined,
    waiters: [],
  };
}

/** The history event of a logged record. */
export function recordEvent(state: SagaState, record: SagaRecord): SagaEvent {
  if (record.type === 'saga-started' || record.type === 'saga-ended') return { type: record.type, at: record.at };
  if (record.type === 'saga-cancelled') return { type: record.type, at: record.at, reason: record.reason };
  const step = state.stepNames[record.step];
  if (record.type === 'step-failed') return { type: record.type, at: record.at, step, attempt: record.attempts, error: record.error };
  if (record.type === 'step-succeeded' || record.type === 'compensation-done') return { type: record.type, at: record.at, step, attempt: record.attempts };
  return { type: record.type, at: record.at, step };
}

/** Adds a failed attempt's event, dropping the oldest attempt event past `max`. */
export function addAttemptEvent(run: SagaRun, event: SagaEvent, max: number): void {
  if (max === 0) return;
  if (run.attemptEvents >= max) {
    const oldest = run.events.findIndex((e) => e.type === 'attempt-failed' || e.type === 'compensation-attempt-failed');
    if (oldest >= 0) run.events.splice(oldest, 1);
    run.attemptEvents--;
  }
  run.events.push(event);
  run.attemptEvents++;
}

/** The results of the succeeded steps, by name. */
export function resultsOf(state: SagaState): Record<string, unknown> {
  const results: Record<string, unknown> = {};
  state.steps.forEach((step, i) => {
    if (step.phase === 'succeeded') results[state.stepNames[i] as string] = step.result;
  });
  return results;
}

/** The outcome of an ended saga. */
export function outcomeOf(state: SagaState): SagaOutcome {
  const outcome: { -readonly [K in keyof SagaOutcome]: SagaOutcome[K] } = {
    id: state.id,
    saga: state.saga,
    status: state.status === 'completed' ? 'completed' : 'compensated',
    results: resultsOf(state),
  };
  if (state.failedStep !== undefined) {
    outcome.failedStep = state.stepNames[state.failedStep];
    outcome.error = (state.steps[state.failedStep] as StepState).error;
  }
  if (state.cancelled !== undefined) outcome.cancelled = state.cancelled;
  return outcome;
}

const STEP_STATUS = { pending: 'pending', started: 'running', succeeded: 'succeeded', failed: 'failed' } as const;
const COMPENSATION_STATUS = { none: 'none', started: 'running', done: 'done' } as const;

/** `get(id)`'s answer: plain JSON, a snapshot (later changes do not show through). */
export function historyOf(run: SagaRun): SagaHistory {
  const { state, definition } = run;
  const steps = state.steps.map((step, i): SagaStepHistory => {
    const compensable = definition === undefined ? step.compensation !== 'none' : definition.steps[i]?.compensate !== undefined;
    const outcomeLogged = step.phase === 'succeeded' || step.phase === 'failed';
    const h: { -readonly [K in keyof SagaStepHistory]: SagaStepHistory[K] } = {
      index: i,
      name: state.stepNames[i] as string,
      idempotencyKey: `${state.id}:${i}`,
      pivot: definition?.pivotIndex === i,
      status: STEP_STATUS[step.phase],
      attempts: outcomeLogged ? step.attempts : (run.stepAttempts[i] ?? 0),
    };
    if (step.phase === 'succeeded' && step.result !== undefined) h.result = step.result;
    if (step.error !== undefined) h.error = step.error;
    const lastError = run.stepLastError[i];
    if (step.phase === 'started' && lastError !== undefined) h.lastError = lastError;
    if (step.startedAt !== undefined) h.startedAt = step.startedAt;
    if (step.endedAt !== undefined) h.endedAt = step.endedAt;
    if (compensable) {
      const done = step.compensation === 'done';
      const c: { -readonly [K in keyof NonNullable<SagaStepHistory['compensation']>]: NonNullable<SagaStepHistory['compensation']>[K] } = {
        status: COMPENSATION_STATUS[step.compensation],
        attempts: done ? step.compensationAttempts : (run.compensationAttempts[i] ?? 0),
      };
      if (step.compensationStartedAt !== undefined) c.startedAt = step.compensationStartedAt;
      if (step.compensationEndedAt !== undefined) c.endedAt = step.compensationEndedAt;
      const compensationError = run.compensationLastError[i];
      if (step.compensation === 'started' && compensationError !== undefined) c.lastError = compensationError;
      h.compensation = c;
    }
    return h;
  });
  const history: { -readonly [K in keyof SagaHistory]: SagaHistory[K] } = {
    id: state.id,
    saga: state.saga,
    status: state.status,
    input: state.input,
    startedAt: state.startedAt,
    results: resultsOf(state),
    steps,
    events: run.events.slice(),
  };
  if (state.endedAt !== undefined) history.endedAt = state.endedAt;
  if (state.failedStep !== undefined) {
    history.failedStep = state.stepNames[state.failedStep];
    history.error = (state.steps[state.failedStep] as StepState).error;
  }
  if (state.cancelled !== undefined) history.cancelled = state.cancelled;
  if (state.deadline !== undefined) history.deadline = state.deadline;
  return history;
}

/** One line of `list()`. */
export function summaryOf(run: SagaRun): SagaSummary {
  const { state } = run;
  const summary: { -readonly [K in keyof SagaSummary]: SagaSummary[K] } = { id: state.id, saga: state.saga, status: state.status, startedAt: state.startedAt };
  if (state.endedAt !== undefined) summary.endedAt = state.endedAt;
  if (state.failedStep !== undefined) summary.failedStep = state.stepNames[state.failedStep];
  return summary;
}
