/**
 * Runs a {@link planNemesis} schedule against a cluster: waits for each step's time, resolves a
 * `leader` target, injects the fault, waits, heals it. The cluster is behind the narrow
 * {@link NemesisTarget} interface, so tests drive it with a fake and an injected `sleep`.
 */
import type { ChaosFault, ChaosFaultKind, NemesisStep } from './nemesis-plan.js';
import { CHAOS_FAULT_KINDS, describeFault } from './nemesis-plan.js';

/** A rule for a member's fault hook (`PUT /cluster/faults`): what its peer transport does to messages. */
export interface FaultRule {
  /** Share of messages dropped, 0 to 1. */
  readonly drop?: number;
  /** Delay added to every message, in ms. */
  readonly delayMs?: number;
  /** Members whose links to this one are cut. */
  readonly partitioned?: readonly string[];
}

/** What the nemesis can do to a cluster. */
export interface NemesisTarget {
  /** The members' ids. */
  readonly members: readonly string[];
  /** The member the cluster names as leader now, or `undefined` if none does. */
  leader(): Promise<string | undefined>;
  /** SIGKILL; resolves once the process is gone. */
  kill(id: string): Promise<void>;
  /** Starts a killed member again on its data; resolves once it listens. */
  restart(id: string): Promise<void>;
  /** SIGSTOP. */
  pause(id: string): void | Promise<void>;
  /** SIGCONT. */
  resume(id: string): void | Promise<void>;
  /** Sets the member's fault rule (replacing the last one). */
  setFaults(id: string, rule: FaultRule): Promise<void>;
  /** Clears the member's fault rule. */
  clearFaults(id: string): Promise<void>;
}

/** Something the nemesis did, at `atMs` since it started. */
export interface NemesisEvent {
  readonly type: 'start' | 'heal' | 'error';
  readonly atMs: number;
  readonly fault: ChaosFault;
  /** `kill leader (b)`, `partition a | b c`, or for an error what failed and why. */
  readonly description: string;
}

/** Options of {@link runNemesis}. */
export interface RunNemesisOptions {
  /** Current time in ms (any origin). Required. */
  readonly now: () => number;
  /** Waits `ms` ms. Required. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Called for every event, as it happens (e.g. to record it in the history). */
  readonly onEvent?: (event: NemesisEvent) => void;
  /** Asked before each step: `true` ends the run there (no later step starts). */
  readonly stopped?: () => boolean;
}

/** What a nemesis run did. */
export interface NemesisReport {
  /** Faults started, per kind (every kind present, 0 if none). */
  readonly injected: Readonly<Record<ChaosFaultKind, number>>;
  /** Every event in order. */
  readonly events: readonly NemesisEvent[];
  /** The error events' descriptions. */
  readonly errors: readonly string[];
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs `plan` against `target`, step after step, from the time of the call. A step whose
 * injection fails is still healed (a partition may be half set); errors are reported as events,
 * never thrown, so one refused request does not end the run. Every fault is healed before the
 * returned promise resolves, and a fault that holds when `stopped()` turns true heals as soon
 * as the wait for it ends.
 *
 * @example
 * const report = await runNemesis(planNemesis({ seed: 1, members, durationMs: 30_000 }), target, { now: Date.now, sleep });
 * report.injected; // { kill: 2, pause: 1, partition: 2, isolate: 1, flaky: 1 }
 */
export async function runNemesis(plan: readonly NemesisStep[], target: NemesisTarget, options: RunNemesisOptions): Promise<NemesisReport> {
  const { now, sleep, onEvent } = options;
  const stopped = options.stopped ?? (() => false);
  const started = now();
  const injected = Object.fromEntries(CHAOS_FAULT_KINDS.map((kind) => [kind, 0])) as Record<ChaosFaultKind, number>;
  const events: NemesisEvent[] = [];
  const errors: string[] = [];
  const emit = (type: NemesisEvent['type'], fault: ChaosFault, description: string): void => {
    const event: NemesisEvent = { type, atMs: now() - started, fault, description };
    events.push(event);
    if (type === 'error') errors.push(description);
    onEvent?.(event);
  };
  const until = async (atMs: number): Promise<void> => {
    const wait = started + atMs - now();
    if (wait > 0) await sleep(wait);
  };
  const attempt = async (fault: ChaosFault, what: string, run: () => unknown): Promise<void> => {
    try {
      await run();
    } catch (error) {
      emit('error', fault, `${what}: ${message(error)}`);
    }
  };

  for (const step of plan) {
    if (stopped()) break;
    await until(step.atMs);
    if (stopped()) break;
    const { fault } = step;
    let resolved: string | undefined;
    if (fault.kind !== 'partition') {
      if (typeof fault.target === 'string') {
        resolved = fault.target;
      } else {
        resolved = await target.leader().catch(() => undefined);
        if (resolved === undefined) {
          emit('error', fault, `${describeFault(fault)}: no member names a leader; fault skipped`);
          continue;
        }
      }
    }
    const description = describeFault(fault, resolved);
    injected[fault.kind]++;
    emit('start', fault, description);
    await inject(fault, resolved as string, target, (what, run) => attempt(fault, `${description}: ${what}`, run));
    await until(step.healAtMs);
    await heal(fault, resolved as string, target, (what, run) => attempt(fault, `healing ${description}: ${what}`, run));
    emit('heal', fault, description);
  }
  return { injected, events, errors };
}

type Attempt = (what: string, run: () => unknown) => Promise<void>;

function cut(sides: readonly [readonly string[], readonly string[]], target: NemesisTarget, attempt: Attempt): Promise<unknown> {
  const [left, right] = sides;
  return Promise.all([
    ...left.map((id) => attempt(`fault rule on ${id}`, () => target.setFaults(id, { partitioned: right }))),
    ...right.map((id) => attempt(`fault rule on ${id}`, () => target.setFaults(id, { partitioned: left }))),
  ]);
}

async function inject(fault: ChaosFault, id: string, target: NemesisTarget, attempt: Attempt): Promise<void> {
  switch (fault.kind) {
    case 'kill':
      return attempt('SIGKILL', () => target.kill(id));
    case 'pause':
      return attempt('SIGSTOP', () => target.pause(id));
    case 'partition':
      await cut(fault.sides, target, attempt);
      return;
    case 'isolate':
      await cut([[id], target.members.filter((m) => m !== id)], target, attempt);
      return;
    case 'flaky':
      return attempt(`fault rule on ${id}`, () => target.setFaults(id, { drop: fault.drop, delayMs: fault.delayMs }));
  }
}

async function heal(fault: ChaosFault, id: string, target: NemesisTarget, attempt: Attempt): Promise<void> {
  switch (fault.kind) {
    case 'kill':
      return attempt('restart', () => target.restart(id));
    case 'pause':
      return attempt('SIGCONT', () => target.resume(id));
    default:
      await Promise.all(target.members.map((m) => attempt(`clearing the fault rule on ${m}`, () => target.clearFaults(m))));
  }
}
