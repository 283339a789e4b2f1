import type { SagaErrorInfo, SagaRecordType } from './saga-record.js';

/**
 * A saga's status: `'running'` (going forward), `'compensating'`, or ended: `'completed'` (every
 * step succeeded) or `'compensated'` (a step failed before the pivot, and every step that had
 * started and has a compensation was compensated).
 */
export type SagaStatus = 'running' | 'compensating' | 'completed' | 'compensated';

/** How a saga ended: what `start()` and `wait()` resolve with. */
export interface SagaOutcome {
  readonly id: string;
  readonly saga: string;
  readonly status: 'completed' | 'compensated';
  /** The results of the steps that succeeded, by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  /** The step whose failure made the saga compensate (`'compensated'` only). */
  readonly failedStep?: string;
  /** Its error (`'compensated'` only). */
  readonly error?: SagaErrorInfo;
  /** Why the saga was cancelled (by `cancel()` or its deadline), when it was (`'compensated'` only). */
  readonly cancelled?: string;
}

/**
 * A step's status in {@link SagaStepHistory}: `'pending'` (never started), `'running'`,
 * `'succeeded'`, `'failed'`.
 */
export type SagaStepStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** One step's compensation in {@link SagaStepHistory}. */
export interface SagaCompensationHistory {
  /** `'none'` (not needed, or not yet begun), `'running'`, `'done'`. */
  readonly status: 'none' | 'running' | 'done';
  /** Attempts: logged when done, else counted live in this process. */
  readonly attempts: number;
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** The last failed attempt's error, while it is still being retried (this process only). */
  readonly lastError?: SagaErrorInfo;
}

/** One step in {@link SagaHistory}. */
export interface SagaStepHistory {
  readonly index: number;
  readonly name: string;
  /** `${sagaId}:${index}`, as passed to the action and the compensation. */
  readonly idempotencyKey: string;
  readonly pivot: boolean;
  readonly status: SagaStepStatus;
  /** Attempts: logged with the outcome, else counted live in this process. */
  readonly attempts: number;
  readonly result?: unknown;
  readonly error?: SagaErrorInfo;
  /** The last failed attempt's error while the step is still being retried (this process only). */
  readonly lastError?: SagaErrorInfo;
  readonly startedAt?: number;
  readonly endedAt?: number;
  /** `undefined` when the step has no compensation. */
  readonly compensation?: SagaCompensationHistory;
}

/**
 * One entry of {@link SagaHistory.events}: a logged record (`type` is the record's), or a
 * failed attempt seen in this process (`'attempt-failed'`, `'compensation-attempt-failed'`).
 */
export interface SagaEvent {
  readonly type: SagaRecordType | 'attempt-failed' | 'compensation-attempt-failed';
  /** The orchestrator clock's time, in ms. */
  readonly at: number;
  readonly step?: string;
  readonly attempt?: number;
  readonly error?: SagaErrorInfo;
  /** A `saga-cancelled` record's reason. */
  readonly reason?: string;
}

/** Everything known about one saga instance: what `get(id)` returns (for `GET /sagas/:id`). Plain JSON. */
export interface SagaHistory {
  readonly id: string;
  readonly saga: string;
  readonly status: SagaStatus;
  readonly input: unknown;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly failedStep?: string;
  readonly error?: SagaErrorInfo;
  /** Why the saga was cancelled, when it was. */
  readonly cancelled?: string;
  /** When it is cancelled if still going forward (orchestrator clock, ms), when it has a deadline. */
  readonly deadline?: number;
  readonly results: Readonly<Record<string, unknown>>;
  readonly steps: readonly SagaStepHistory[];
  /** Oldest first; at most the orchestrator's `maxEventsPerSaga` latest (logged records are always kept for a live saga). */
  readonly events: readonly SagaEvent[];
}

/** One line of `list()`. */
export interface SagaSummary {
  readonly id: string;
  readonly saga: string;
  readonly status: SagaStatus;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly failedStep?: string;
}
