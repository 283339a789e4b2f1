import type { Transition } from './breaker-event.js';
import type { ServicePhase } from './flaky-service.js';

/** From `atMs` after the start of the run, the service behaves as `phase`. */
export interface PhaseChange {
  readonly atMs: number;
  readonly phase: ServicePhase;
}

/** The breaker options the story depends on (opossum's names and units). */
export interface DemoBreakerOptions {
  readonly timeout: number;
  readonly resetTimeout: number;
  readonly errorThresholdPercentage: number;
  readonly volumeThreshold: number;
  readonly rollingCountTimeout: number;
  readonly rollingCountBuckets: number;
}

/** A complete, deterministic script: the service's timeline, the call rate and the breaker. */
export interface DemoScript {
  /** One call every `intervalMs`, each awaited before the next is due. */
  readonly intervalMs: number;
  /** No call is started at or after this time. */
  readonly durationMs: number;
  /** Sorted by `atMs`; the first should be at 0. */
  readonly phases: readonly PhaseChange[];
  readonly breaker: DemoBreakerOptions;
  /** The state changes the script is meant to show, starting from closed. */
  readonly expectedTransitions: readonly Transition[];
}

/**
 * The story `npm start` tells, about 7 s long. With zero-latency calls it runs as follows (the
 * scenario test checks exactly this under a `ManualClock`):
 *
 * - 0–950 ms: healthy, 20 successes.
 * - 1000 ms: the service fails. Opening needs failures/fires > 50 %, so the 21st failure opens the
 *   breaker at 2000 ms (21 of 41 calls).
 * - 2050–3450 ms: 29 calls fail fast without reaching the service.
 * - 3500 ms: resetTimeout has passed, half-open; the trial call still gets a 500: open again.
 * - 4300 ms: the service recovers, while the breaker is still open.
 * - 5000 ms: half-open again; the trial succeeds, the breaker closes, 39 more successes follow.
 *
 * The 700–800 ms between each trial and the service's change of phase absorbs real-world latency.
 */
export const demoScript: DemoScript = {
  intervalMs: 50,
  durationMs: 7000,
  phases: [
    { atMs: 0, phase: 'healthy' },
    { atMs: 1000, phase: 'failing' },
    { atMs: 4300, phase: 'healthy' },
  ],
  breaker: {
    timeout: 500,
    resetTimeout: 1500,
    errorThresholdPercentage: 50,
    volumeThreshold: 5,
    // The window outlasts the run, so the final stats cover every call and no failure ages out
    // of the error rate while the story unfolds.
    rollingCountTimeout: 20_000,
    rollingCountBuckets: 10,
  },
  expectedTransitions: ['open', 'halfOpen', 'open', 'halfOpen', 'close'],
};
