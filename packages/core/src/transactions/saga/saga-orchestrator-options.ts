import type { Backoff } from '../../policies/backoff/backoff.js';
import { show } from '../../policies/validate.js';
import type { WalFs } from '../../raft/wal/wal-fs.js';
import type { Clock } from '../../time/clock.js';
import type { Random } from '../../time/random.js';
import { SAGA_NAME_PATTERN, type SagaDefinition } from './define-saga.js';
import type { SagaLog } from './saga-log.js';

/** Options of `SagaOrchestrator`. */
export interface SagaOrchestratorOptions {
  /** Where records are forced (a `RecordLog`, or a `SagaLog`); required. */
  readonly log: SagaLog;
  /** The records the log held at open (`RecordLog.open(...).records`), replayed at construction. Default none. */
  readonly records?: readonly Uint8Array[];
  /** Sagas to know by name, for `resume()` (`start()` registers its saga too). Default none. */
  readonly sagas?: readonly SagaDefinition<never>[];
  /**
   * Time for timestamps, retry waits, step timeouts and saga deadlines. **Defaults to the system
   * clock** (`systemClock`: `Date.now` and real timers), unlike the two-phase-commit runtimes,
   * which require one. Pass one explicitly in anything that must be deterministic: tests (a
   * `ManualClock` from `@bulwark/core/testing`), simulations, and a host that already injects a
   * clock into its other services; with the default, retries and timeouts wait in real time.
   */
  readonly clock?: Clock;
  /**
   * Backoff jitter and generated saga ids. **Defaults to `Math.random`** (`systemRandom`),
   * unlike the two-phase-commit runtimes, which require one: pass a seeded one
   * (`seededRandom` from `@bulwark/core/testing`) for reproducible runs.
   */
  readonly random?: Random;
  /**
   * Ended sagas kept for `get`, `list` and id deduplication, newest first (default 1,000). The id
   * of an older one is refused by `start()` until a compaction removed its records (design.md,
   * invariant 7).
   */
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

/** Options of `SagaOrchestrator.open`: the orchestrator's, with a `RecordLog` directory instead of `log`. */
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

/** Options of `SagaOrchestrator.start`. */
export interface SagaStartOptions {
  /**
   * The saga instance's id, its idempotency key: starting again with the id of a running or kept
   * saga returns that saga's outcome; the id of a forgotten one (past `maxEndedSagas`) is refused
   * with `SagaIdConflictError` until a compaction removed its records, and then starts a new saga
   * whose steps get the old one's idempotency keys. 1 to 100 of `A-Z a-z 0-9 . _ : -`. Default a
   * random id.
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

/** @internal A clock, or a TypeError naming `options.clock`. */
export function checkClock(clock: unknown): Clock {
  const c = clock as Partial<Clock> | null;
  if (typeof c !== 'object' || c === null || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new TypeError(`SagaOrchestrator: options.clock must be a Clock (now, setTimeout, clearTimeout), got ${show(clock)}`);
  }
  return clock as Clock;
}

/** @internal An integer ≥ `min` (`fallback` when undefined), or a TypeError / RangeError naming the option. */
export function integer(where: string, name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${where}: options.${name} must be an integer ≥ ${min}, got ${show(value)}`);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${where}: options.${name} must be an integer ≥ ${min}, got ${show(value)}`);
  return value;
}

/** @internal A saga id, or a TypeError / RangeError naming `options.id`. */
export function checkId(id: unknown): string {
  if (typeof id !== 'string') throw new TypeError(`SagaOrchestrator.start: options.id must be a string, got ${show(id)}`);
  if (!SAGA_NAME_PATTERN.test(id)) throw new RangeError(`SagaOrchestrator.start: options.id must be 1 to 100 of A-Z a-z 0-9 . _ : -, got ${show(id)}`);
  return id;
}
