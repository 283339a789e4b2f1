import type { Random } from '../../time/random.js';
import { checkNonNegative, checkOneOf, checkPositive } from '../validate.js';

/**
 * How long to wait before each retry. An object rather than a bare function so that it can say
 * what it is (`description`, shown by `retry(…).describe()`), and stateless: the retry policy
 * hands back the previous delay, so one `Backoff` serves any number of concurrent calls.
 *
 * Write your own as a literal: `{ description: 'fibonacci', delay: (retry) => fib(retry) * 10 }`.
 */
export interface Backoff {
  /** A few words for `describe()`, such as `'exponential full jitter'`. */
  readonly description?: string;
  /**
   * The delay in milliseconds before retry `retry`.
   *
   * @param retry 1 before the first retry (after attempt 1 failed), 2 before the second, …
   * @param previousMs what this backoff returned for `retry - 1` (0 before the first retry)
   * @param random a uniform source in `[0, 1)` for jitter (the policy's `random` option)
   */
  delay(retry: number, previousMs: number, random: Random): number;
}

/**
 * How randomness spreads the delays, after the AWS Architecture Blog's "Exponential Backoff and
 * Jitter" (Marc Brooker, 2015), where `t` is the un-jittered delay (already capped):
 * - `'none'`: `t`;
 * - `'full'`: `random(0, t)`, the blog's recommendation: fewest calls, clients spread the most;
 * - `'equal'`: `t/2 + random(0, t/2)`: never much shorter than half of `t`;
 * - `'decorrelated'` (exponential only): `min(cap, random(base, previous·3))`, which grows from
 *   the previous delay rather than from the retry number.
 */
export type Jitter = 'none' | 'full' | 'equal' | 'decorrelated';

/** The default cap on a single delay for linear and exponential backoffs: 30 s (as cockatiel). */
export const DEFAULT_MAX_DELAY_MS = 30_000;

const JITTERS: readonly Jitter[] = ['none', 'full', 'equal', 'decorrelated'];
const SIMPLE_JITTERS: readonly Jitter[] = ['none', 'full', 'equal'];

function jittered(jitter: Jitter, t: number, random: Random): number {
  if (jitter === 'full') return random() * t;
  if (jitter === 'equal') return t / 2 + random() * (t / 2);
  return t;
}

function describeJitter(kind: string, jitter: Jitter): string {
  return jitter === 'none' ? kind : `${kind} ${jitter} jitter`;
}

/**
 * The same delay before every retry.
 *
 * @param delayMs milliseconds, ≥ 0
 * @throws RangeError / TypeError when `delayMs` is not a non-negative finite number
 * @example
 * retry({ maxAttempts: 5, backoff: constantBackoff(250) });
 */
export function constantBackoff(delayMs: number): Backoff {
  const ms = checkNonNegative('constantBackoff', 'delayMs', delayMs);
  return { description: `constant ${ms}ms`, delay: () => ms };
}

/** Options of {@link linearBackoff}. */
export interface LinearBackoffOptions {
  /** The delay before the first retry, in ms (required, > 0). */
  readonly initialDelayMs: number;
  /** Added for each further retry, in ms (default `initialDelayMs`). */
  readonly stepMs?: number;
  /** The cap on one delay before jitter, in ms (default 30 000). */
  readonly maxDelayMs?: number;
  /** `'none'` (default), `'full'` or `'equal'`. */
  readonly jitter?: Exclude<Jitter, 'decorrelated'>;
}

/**
 * Delays that grow by a fixed step: `t(n) = min(maxDelayMs, initialDelayMs + stepMs·(n−1))`,
 * then jittered.
 *
 * @throws RangeError / TypeError naming the bad option
 * @example
 * retry({ backoff: linearBackoff({ initialDelayMs: 100, stepMs: 50 }) }); // 100, 150, 200 ms …
 */
export function linearBackoff(options: LinearBackoffOptions): Backoff {
  const where = 'linearBackoff';
  const initial = checkPositive(where, 'initialDelayMs', options?.initialDelayMs);
  const step = options.stepMs === undefined ? initial : checkNonNegative(where, 'stepMs', options.stepMs);
  const cap = options.maxDelayMs === undefined ? DEFAULT_MAX_DELAY_MS : checkNonNegative(where, 'maxDelayMs', options.maxDelayMs);
  const jitter = options.jitter === undefined ? 'none' : checkOneOf(where, 'jitter', options.jitter, SIMPLE_JITTERS);
  return {
    description: describeJitter('linear', jitter),
    delay: (retry, _previousMs, random) => jittered(jitter, Math.min(cap, initial + step * (retry - 1)), random),
  };
}

/** Options of {@link exponentialBackoff}. */
export interface ExponentialBackoffOptions {
  /** The delay before the first retry (the blog's `base`), in ms (default 100). */
  readonly initialDelayMs?: number;
  /** The growth factor per retry, ≥ 1 (default 2). Not used by `'decorrelated'` (its factor is 3). */
  readonly multiplier?: number;
  /** The cap on one delay (the blog's `cap`), in ms (default 30 000). */
  readonly maxDelayMs?: number;
  /** `'full'` (default), `'equal'`, `'decorrelated'` or `'none'`. */
  readonly jitter?: Jitter;
}

/**
 * Delays that grow geometrically: `t(n) = min(maxDelayMs, initialDelayMs·multiplier^(n−1))`,
 * then jittered (see {@link Jitter}). Defaults: 100 ms, ×2, capped at 30 s, full jitter, so that
 * many clients failing together do not retry in lock-step.
 *
 * @throws RangeError / TypeError naming the bad option
 * @example
 * retry({ backoff: exponentialBackoff({ initialDelayMs: 200, maxDelayMs: 10_000, jitter: 'decorrelated' }) });
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): Backoff {
  const where = 'exponentialBackoff';
  const base = options.initialDelayMs === undefined ? 100 : checkPositive(where, 'initialDelayMs', options.initialDelayMs);
  const multiplier = options.multiplier === undefined ? 2 : checkPositive(where, 'multiplier', options.multiplier);
  if (multiplier < 1) throw new RangeError(`${where}: options.multiplier must be a number ≥ 1, got ${multiplier}`);
  const cap = options.maxDelayMs === undefined ? DEFAULT_MAX_DELAY_MS : checkNonNegative(where, 'maxDelayMs', options.maxDelayMs);
  const jitter = options.jitter === undefined ? 'full' : checkOneOf(where, 'jitter', options.jitter, JITTERS);
  const description = describeJitter('exponential', jitter);
  if (jitter === 'decorrelated') {
    return {
      description,
      delay: (_retry, previousMs, random) => {
        // AWS: sleep = min(cap, random_between(base, sleep * 3)), starting from sleep = base.
        const previous = previousMs > 0 ? previousMs : base;
        const high = Math.max(base, previous * 3);
        return Math.min(cap, base + random() * (high - base));
      },
    };
  }
  return {
    description,
    // Math.min with a huge power stays finite: Infinity only arises past ~1e308, and min() caps it.
    delay: (retry, _previousMs, random) => jittered(jitter, Math.min(cap, base * multiplier ** (retry - 1)), random),
  };
}
