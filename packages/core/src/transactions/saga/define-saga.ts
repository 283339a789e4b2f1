import { RetryPolicy, type RetryOptions } from '../../policies/retry.js';
import { show } from '../../policies/validate.js';

/** What a step's `action` receives. Frozen. */
export interface SagaStepContext<I> {
  /** The saga instance's id. */
  readonly sagaId: string;
  /** The step's position in the saga, from 0. */
  readonly stepIndex: number;
  /** The step's name. */
  readonly stepName: string;
  /**
   * `${sagaId}:${stepIndex}`: the same for every attempt of the step, before and after a crash,
   * and for its compensation. Send it to the participant, which must apply the step at most once
   * per key (and return the first result again for a repeated key).
   */
  readonly idempotencyKey: string;
  /** The saga's input (as the log holds it: JSON round-tripped). */
  readonly input: I;
  /** The results of the steps that succeeded before this one, by step name (JSON round-tripped). */
  readonly results: Readonly<Record<string, unknown>>;
  /** 1 for the first attempt in this process, 2 for the first retry, and so on (across rounds of retries). */
  readonly attempt: number;
  /** Aborted when the attempt times out or the orchestrator stops: pass it on to `fetch`. */
  readonly signal: AbortSignal;
}

/** What a step's `compensate` receives. Frozen. */
export interface SagaCompensationContext<I> extends SagaStepContext<I> {
  /**
   * True when the step's action is known to have succeeded; false when the step failed (its
   * last attempt may still have taken effect, say a reply lost after a timeout: the
   * compensation must then undo it, or do nothing for a key the participant never saw).
   */
  readonly succeeded: boolean;
  /** The step's result when it succeeded, else `undefined`. */
  readonly result: unknown;
}

/** The retry options a step may set; the orchestrator supplies the clock and the random source. */
export type SagaRetryOptions = Omit<RetryOptions, 'clock' | 'random'>;

/** One step of a saga: a local transaction at one participant and, optionally, its undo. */
export interface SagaStep<I = unknown> {
  /** Unique within the saga; the key of its result in `results`. 1 to 100 characters. */
  readonly name: string;
  /**
   * Does the step. Its (JSON-serializable) return value is logged and passed to later steps.
   * Runs at least once when the saga reaches it — again after a retry or a crash — so it must be
   * idempotent by `context.idempotencyKey`.
   */
  readonly action: (context: SagaStepContext<I>) => unknown;
  /**
   * Undoes the step, when this step or a later one fails for good before the pivot succeeded.
   * Retried until it succeeds (rounds of `retry`, with backoff between rounds, forever: a
   * compensation that cannot finish is an incident, visible in `get(id)`), so it must be
   * idempotent by `context.idempotencyKey` too, and must do nothing (but remember the key, so
   * that a late action is refused) for a key whose action never took effect. Not allowed after
   * the pivot; on the pivot it runs only when the pivot itself failed (its outcome in doubt).
   */
  readonly compensate?: (context: SagaCompensationContext<I>) => unknown;
  /**
   * How the action (and each round of the compensation) is retried: core's `retry` options
   * without `clock` and `random`. Default `{ maxAttempts: 3 }` with the retry policy's default
   * backoff (100 ms ×2, full jitter). `shouldRetry` marks errors as not retryable.
   */
  readonly retry?: SagaRetryOptions;
  /** A time limit per attempt, in ms (core's `timeout` policy, aggressive). Default none. */
  readonly timeoutMs?: number;
  /**
   * The go/no-go step (the last compensable one): if it fails, it and the steps before it are
   * compensated; once it succeeds the saga can only go forward, and every later step is retried
   * until it succeeds. At most one step is the pivot; the steps after it have no `compensate`.
   * Default `false`.
   */
  readonly pivot?: boolean;
}

/** Options of {@link defineSaga}. */
export interface SagaOptions<I = unknown> {
  /** The saga's name, recorded in the log: 1 to 100 of `A-Z a-z 0-9 . _ : -`. */
  readonly name: string;
  /** The steps, in order: 1 to 100 of them. */
  readonly steps: readonly SagaStep<I>[];
}

/** A validated, frozen saga: give it to a `SagaOrchestrator` (`start`, or the `sagas` option for `resume`). */
export interface SagaDefinition<I = unknown> {
  readonly name: string;
  readonly steps: readonly SagaStep<I>[];
  /** The index of the pivot step, or `undefined` when there is none. */
  readonly pivotIndex: number | undefined;
}

/** The characters of saga names and ids: safe in a URL path and a log line. */
export const SAGA_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
const MAX_STEPS = 100;
const definitions = new WeakSet<object>();

/** True when `value` was returned by {@link defineSaga}. */
export function isSagaDefinition(value: unknown): value is SagaDefinition<unknown> {
  return typeof value === 'object' && value !== null && definitions.has(value);
}
const STEP_KEYS = new Set(['name', 'action', 'compensate', 'retry', 'timeoutMs', 'pivot']);

/**
 * Defines a saga (Garcia-Molina & Salem, 1987): steps T1…Tn, each with an optional compensation
 * Ci. A `SagaOrchestrator` runs T1…Tn, or T1…Tj and then Cj…C1 when Tj fails, with every
 * transition forced to its log first, so a crash at any point resumes where it stopped.
 *
 * @throws TypeError when an option has the wrong type, naming it (`defineSaga: options.steps[1].action must be a function, got 3`)
 * @throws RangeError when an option has a bad value (a duplicate step name, two pivots, a
 *   compensation after the pivot, a bad `retry` option, a non-positive `timeoutMs`)
 * @example
 * const orders = defineSaga<{ sku: string; cents: number }>({
 *   name: 'orders',
 *   steps: [
 *     { name: 'reserve', action: (c) => stock.reserve(c.idempotencyKey, c.input.sku), compensate: (c) => stock.release(c.idempotencyKey) },
 *     { name: 'charge', action: (c) => payments.charge(c.idempotencyKey, c.input.cents), pivot: true, timeoutMs: 2_000 },
 *     { name: 'ship', action: (c) => shipping.schedule(c.idempotencyKey, c.input.sku) },
 *   ],
 * });
 */
export function defineSaga<I = unknown>(options: SagaOptions<I>): SagaDefinition<I> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`defineSaga: options must be an object, got ${show(options)}`);
  }
  const { name, steps } = options;
  if (typeof name !== 'string') throw new TypeError(`defineSaga: options.name must be a string, got ${show(name)}`);
  if (!SAGA_NAME_PATTERN.test(name)) {
    throw new RangeError(`defineSaga: options.name must be 1 to 100 of A-Z a-z 0-9 . _ : -, got ${show(name)}`);
  }
  if (!Array.isArray(steps)) throw new TypeError(`defineSaga: options.steps must be an array, got ${show(steps)}`);
  if (steps.length < 1 || steps.length > MAX_STEPS) {
    throw new RangeError(`defineSaga: options.steps must hold 1 to ${MAX_STEPS} steps, got ${steps.length}`);
  }
  const names = new Set<string>();
  let pivotIndex: number | undefined;
  const checked = steps.map((step: SagaStep<I>, i) => {
    const where = `defineSaga: options.steps[${i}]`;
    if (typeof step !== 'object' || step === null || Array.isArray(step)) throw new TypeError(`${where} must be an object, got ${show(step)}`);
    for (const key of Object.keys(step)) {
      if (!STEP_KEYS.has(key)) throw new TypeError(`${where}.${key} is not a step option (name, action, compensate, retry, timeoutMs, pivot)`);
    }
    if (typeof step.name !== 'string') throw new TypeError(`${where}.name must be a string, got ${show(step.name)}`);
    if (step.name.length < 1 || step.name.length > 100) throw new RangeError(`${where}.name must be 1 to 100 characters, got ${show(step.name)}`);
    if (names.has(step.name)) throw new RangeError(`${where}.name must be unique in the saga, got ${show(step.name)} twice`);
    names.add(step.name);
    if (typeof step.action !== 'function') throw new TypeError(`${where}.action must be a function, got ${show(step.action)}`);
    if (step.compensate !== undefined && typeof step.compensate !== 'function') {
      throw new TypeError(`${where}.compensate must be a function, got ${show(step.compensate)}`);
    }
    if (step.pivot !== undefined && typeof step.pivot !== 'boolean') throw new TypeError(`${where}.pivot must be a boolean, got ${show(step.pivot)}`);
    if (step.pivot === true) {
      if (pivotIndex !== undefined) throw new RangeError(`${where}.pivot: steps[${pivotIndex}] is the pivot already; a saga has at most one`);
      pivotIndex = i;
    }
    if (step.compensate !== undefined && pivotIndex !== undefined && pivotIndex < i) {
      throw new RangeError(`${where}.compensate: a step after the pivot (steps[${pivotIndex}]) is never compensated; remove it`);
    }
    if (step.timeoutMs !== undefined) {
      if (typeof step.timeoutMs !== 'number') throw new TypeError(`${where}.timeoutMs must be a positive finite number, got ${show(step.timeoutMs)}`);
      if (!(step.timeoutMs > 0) || step.timeoutMs === Infinity) {
        throw new RangeError(`${where}.timeoutMs must be a positive finite number, got ${show(step.timeoutMs)}`);
      }
    }
    if (step.retry !== undefined) {
      if (typeof step.retry !== 'object' || step.retry === null || Array.isArray(step.retry)) {
        throw new TypeError(`${where}.retry must be an object, got ${show(step.retry)}`);
      }
      const retry = step.retry as RetryOptions;
      if (retry.clock !== undefined || retry.random !== undefined) {
        throw new TypeError(`${where}.retry: clock and random come from the orchestrator; remove them`);
      }
      try {
        new RetryPolicy(retry); // validates every option, naming it
      } catch (error) {
        if (error instanceof TypeError) throw new TypeError(`${where}.retry: ${error.message}`, { cause: error });
        if (error instanceof RangeError) throw new RangeError(`${where}.retry: ${error.message}`, { cause: error });
        throw error;
      }
    }
    return Object.freeze({ ...step });
  });
  const definition: SagaDefinition<I> = Object.freeze({ name, steps: Object.freeze(checked), pivotIndex });
  definitions.add(definition);
  return definition;
}
