import type { Clock } from '@bulwark/core';
import { CircuitBreaker } from '@bulwark/core';
import type { BreakerEventRecord, Transition } from './breaker-event.js';
import type { DemoScript, PhaseChange } from './demo-script.js';
import { demoScript } from './demo-script.js';
import type { FlakyService, ServicePhase } from './flaky-service.js';
import { HttpStatusError, isHttpStatusError } from './http-status-error.js';
import type { StatsSummary } from './stats-summary.js';
import { formatStatsSummary, summarizeStats } from './stats-summary.js';
import { StoryLog } from './story-log.js';

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** Time for the breaker, the pacing and the timestamps. */
  readonly clock: Clock;
  /**
   * Waits `ms` on `clock` between calls. The scenario calls it only when no call is in flight,
   * so a test can pass `(ms) => manualClock.advanceAsync(ms)` and move time exactly there.
   */
  readonly sleep: (ms: number) => Promise<void>;
  /** The service to call; the scenario sets its phase as the script says. */
  readonly service: FlakyService;
  /** Receives each line of the story. */
  readonly log: (line: string) => void;
  /** The story to run (default {@link demoScript}). */
  readonly script?: DemoScript;
}

/** What happened during {@link runScenario}. */
export interface ScenarioResult {
  /** Every breaker event, in order, stamped with the time since the start. */
  readonly events: readonly BreakerEventRecord[];
  /** The breaker's state changes, in order. */
  readonly transitions: readonly Transition[];
  /** The breaker's stats at the end (its rolling window outlasts the run, so: every call). */
  readonly stats: StatsSummary;
}

const PHASE_TEXT: Record<ServicePhase, string> = {
  healthy: 'now healthy: answers 200',
  failing: 'now failing: answers 500',
};

/**
 * Runs the demo's story: calls the flaky service through a circuit breaker, one call every
 * `script.intervalMs`, switching the service's phase on the script's timeline, and logs each
 * breaker event as it happens. Shuts the breaker down at the end (no timer is left armed); the
 * service stays up, it belongs to the caller.
 *
 * @example
 * const service = await startFlakyService();
 * await runScenario({ clock: systemClock, sleep: (ms) => delay(ms), service, log: console.log });
 * await service.close();
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { clock, sleep, service, log } = options;
  const script = options.script ?? demoScript;
  const story = new StoryLog({ clock, log });

  const callService = async (): Promise<string> => {
    const response = await fetch(service.url);
    await response.arrayBuffer(); // read the body, so the connection can be reused
    if (!response.ok) throw new HttpStatusError(response.status);
    return `HTTP ${response.status}`;
  };
  const breaker = new CircuitBreaker(callService, { ...script.breaker, clock });

  let last: Transition | undefined;
  breaker.on('fire', () => story.record('fire'));
  breaker.on('success', (result: unknown, latencyMs: number) =>
    story.record('success', { latencyMs, detail: String(result) }),
  );
  breaker.on('failure', (err: unknown, latencyMs: number) =>
    story.record('failure', { latencyMs, detail: errorText(err) }),
  );
  breaker.on('timeout', (err: unknown) => story.record('timeout', { detail: errorText(err) }));
  breaker.on('reject', (err: unknown) => story.record('reject', { detail: errorText(err) }));
  breaker.on('fallback', () => story.record('fallback'));
  breaker.on('open', () => {
    const { failures, fires } = breaker.stats;
    const why =
      last === 'halfOpen'
        ? 'the trial call failed'
        : `${failures} failures in ${fires} calls = ${percent(failures, fires)} > ${script.breaker.errorThresholdPercentage}%`;
    story.record('open', { detail: `${why}; failing fast for ${script.breaker.resetTimeout}ms` });
    last = 'open';
  });
  breaker.on('halfOpen', (resetTimeoutMs: number) => {
    story.record('halfOpen', { detail: `${resetTimeoutMs}ms after opening; the next call is a trial` });
    last = 'halfOpen';
  });
  breaker.on('close', () => {
    story.record('close', { detail: 'the trial call succeeded; calls reach the service again' });
    last = 'close';
  });

  let phase: ServicePhase | undefined;
  for (let dueMs = 0; dueMs < script.durationMs; dueMs += script.intervalMs) {
    const waitMs = dueMs - story.elapsedMs();
    if (waitMs > 0) await sleep(waitMs);
    const next = phaseAt(script.phases, story.elapsedMs());
    if (next !== phase) {
      phase = next;
      service.phase = next;
      story.note('service', PHASE_TEXT[next]);
    }
    // The outcome is told by the events; the rejection itself carries nothing more.
    await breaker.fire().catch(() => undefined);
  }
  story.flush();

  const stats = summarizeStats(breaker.stats);
  breaker.shutdown();
  const [counts, latency] = formatStatsSummary(stats);
  story.note('stats', counts);
  story.note('latency', latency);
  const { ok, failed } = service.served;
  story.note('service', `answered ${ok + failed} requests (${ok} × 200, ${failed} × 500); ${stats.rejects} calls never reached it`);

  const transitions = story.events
    .map((e) => e.event)
    .filter((e): e is Transition => e === 'open' || e === 'halfOpen' || e === 'close');
  return { events: story.events, transitions, stats };
}

function phaseAt(phases: readonly PhaseChange[], elapsedMs: number): ServicePhase {
  let phase: ServicePhase = phases[0]?.phase ?? 'healthy';
  for (const change of phases) if (change.atMs <= elapsedMs) phase = change.phase;
  return phase;
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !isHttpStatusError(err) ? `${err.message} (${code})` : err.message;
}

function percent(part: number, whole: number): string {
  return `${whole === 0 ? 0 : Math.round((part / whole) * 100)}%`;
}
