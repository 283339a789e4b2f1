import type { Clock } from '@bulwark/core';
import type { BreakerEventName, BreakerEventRecord } from './breaker-event.js';

/** Options of {@link StoryLog}. */
export interface StoryLogOptions {
  /** Stamps each event; the same clock the breaker runs on. */
  readonly clock: Clock;
  /** Receives each finished line. */
  readonly log: (line: string) => void;
}

/** Details of an event, beyond its name and time. */
export interface EventDetails {
  readonly latencyMs?: number;
  readonly detail?: string;
}

// Runs of these events collapse into one line: the story needs their count, not each one.
type RunEvent = 'success' | 'failure' | 'reject';

interface Run {
  readonly event: RunEvent;
  readonly detail: string | undefined;
  readonly startMs: number;
  endMs: number;
  count: number;
  latencySumMs: number;
}

const RUN_EVENTS: ReadonlySet<BreakerEventName> = new Set<BreakerEventName>(['success', 'failure', 'reject']);

/**
 * Turns breaker events into a short, readable story: one line per state change, and one line per
 * run of identical `success`, `failure` or `reject` events (20 successes in a row read as
 * `success ×20`). Every event is also kept, stamped with the time since the log was created, in
 * {@link events}.
 *
 * It tags the trial call: the first `fire` after `halfOpen`, and the `success` or `failure` that
 * follows it. That pairing assumes calls are made one at a time, as the demo makes them.
 *
 * @example
 * const story = new StoryLog({ clock: systemClock, log: console.log });
 * breaker.on('open', () => story.record('open'));
 * story.flush(); // at the end: prints the run still being collected
 */
export class StoryLog {
  private readonly clock: Clock;
  private readonly log: (line: string) => void;
  private readonly startMs: number;
  private readonly recorded: BreakerEventRecord[] = [];
  private run: Run | undefined;
  private trialExpected = false;
  private trialInFlight = false;

  constructor(options: StoryLogOptions) {
    this.clock = options.clock;
    this.log = options.log;
    this.startMs = options.clock.now();
  }

  /** Every event recorded so far, in order. */
  get events(): readonly BreakerEventRecord[] {
    return this.recorded;
  }

  /** Milliseconds since the log was created. */
  elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }

  /** Records one breaker event and prints what it changes in the story. */
  record(event: BreakerEventName, details: EventDetails = {}): void {
    const atMs = this.elapsedMs();
    const trial = this.isTrial(event);
    this.recorded.push({ atMs, event, ...details, ...(trial ? { trial } : {}) });

    if (event === 'fire') {
      if (trial) this.line(atMs, 'fire', 'trial call admitted while half-open');
      return;
    }
    if (RUN_EVENTS.has(event) && !trial) {
      this.extendRun(event as RunEvent, atMs, details);
      return;
    }
    this.line(atMs, event, describe(event, details, trial));
  }

  /** Prints a line about something other than the breaker (the service changing phase). */
  note(label: string, text: string): void {
    this.line(this.elapsedMs(), label, text);
  }

  /** Prints the run of events still being collected, if any. */
  flush(): void {
    const run = this.run;
    if (run === undefined) return;
    this.run = undefined;
    const what = run.detail ?? 'ok';
    const spanS = seconds(run.endMs - run.startMs);
    let text: string;
    if (run.event === 'reject') {
      text = `${run.count === 1 ? '' : `×${run.count} fast-fails over ${spanS}s: `}${what}; the service is not called`;
    } else if (run.count === 1) {
      text = `${what} in ${run.latencySumMs}ms`;
    } else {
      text = `×${run.count} over ${spanS}s: ${what}, latency mean ${(run.latencySumMs / run.count).toFixed(1)}ms`;
    }
    this.emitLine(run.startMs, run.event, text);
  }

  private isTrial(event: BreakerEventName): boolean {
    if (event === 'halfOpen') {
      this.trialExpected = true;
      return false;
    }
    if (event === 'fire' && this.trialExpected) {
      this.trialExpected = false;
      this.trialInFlight = true;
      return true;
    }
    if ((event === 'success' || event === 'failure') && this.trialInFlight) {
      this.trialInFlight = false;
      return true;
    }
    return false;
  }

  private extendRun(event: RunEvent, atMs: number, details: EventDetails): void {
    const run = this.run;
    if (run !== undefined && run.event === event && run.detail === details.detail) {
      run.count++;
      run.endMs = atMs;
      run.latencySumMs += details.latencyMs ?? 0;
      return;
    }
    this.flush();
    this.run = { event, detail: details.detail, startMs: atMs, endMs: atMs, count: 1, latencySumMs: details.latencyMs ?? 0 };
  }

  private line(atMs: number, label: string, text: string): void {
    this.flush();
    this.emitLine(atMs, label, text);
  }

  private emitLine(atMs: number, label: string, text: string): void {
    this.log(`+${seconds(atMs).padStart(6)}s  ${label.padEnd(8)}  ${text}`);
  }
}

function describe(event: BreakerEventName, details: EventDetails, trial: boolean): string {
  const latency = details.latencyMs === undefined ? '' : ` in ${details.latencyMs}ms`;
  const prefix = trial ? 'trial call: ' : '';
  switch (event) {
    case 'success':
      return `${prefix}${details.detail ?? 'ok'}${latency}`;
    case 'failure':
    case 'timeout':
      return `${prefix}${details.detail ?? 'error'}${latency}`;
    default:
      return details.detail ?? '';
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
