/**
 * Test-only: simulated saga participants and the helpers the saga tests share. Not exported
 * from the package.
 */
import { flushPromises, type ManualClock } from '../../testing/manual-clock.js';
import type { Random } from '../../time/random.js';
import { defineSaga, type SagaDefinition, type SagaStep } from './define-saga.js';

/**
 * What a participant does with one call:
 * - `'ok'`: applies (once per key) and answers;
 * - `'fail'`: refuses before doing anything;
 * - `'lose-reply'`: applies, then the reply is lost (the call throws);
 * - `'hang'`: applies, then never answers (a timeout must end the attempt).
 */
export type CallFate = 'ok' | 'fail' | 'lose-reply' | 'hang';

/** Decides each call's fate: `kind` is `'action'` or `'compensate'`, `call` counts calls of that kind for the key, from 1. */
export type FateScript = (kind: 'action' | 'compensate', step: number, call: number) => CallFate;

/**
 * A participant that deduplicates by idempotency key, as the saga contract asks: an action
 * applies at most once per key; a compensation undoes at most once per key and leaves a
 * tombstone, so an action arriving late (after its compensation) is refused rather than applied.
 */
export class FakeParticipant {
  /** key → how many times the effect was applied (must stay ≤ 1). */
  readonly applied = new Map<string, number>();
  /** key → how many times the effect was undone (must stay ≤ 1). */
  readonly undone = new Map<string, number>();
  readonly tombstones = new Set<string>();
  readonly actionCalls: string[] = [];
  readonly compensateCalls: string[] = [];

  constructor(
    readonly step: number,
    private readonly script: FateScript,
  ) {}

  action(key: string): Promise<string> {
    this.actionCalls.push(key);
    const fate = this.script('action', this.step, this.actionCalls.filter((k) => k === key).length);
    if (fate === 'fail') return Promise.reject(new Error(`step ${this.step} refused`));
    if (!this.tombstones.has(key) && !this.applied.has(key)) this.applied.set(key, 1);
    if (fate === 'lose-reply') return Promise.reject(new Error(`step ${this.step} reply lost`));
    if (fate === 'hang') return new Promise<string>(() => undefined);
    return Promise.resolve(`r${this.step}`);
  }

  compensate(key: string): Promise<void> {
    this.compensateCalls.push(key);
    const fate = this.script('compensate', this.step, this.compensateCalls.filter((k) => k === key).length);
    if (fate === 'fail') return Promise.reject(new Error(`undo ${this.step} refused`));
    if (!this.tombstones.has(key)) {
      this.tombstones.add(key);
      if (this.applied.has(key)) this.undone.set(key, (this.undone.get(key) ?? 0) + 1);
    }
    if (fate === 'lose-reply') return Promise.reject(new Error(`undo ${this.step} reply lost`));
    if (fate === 'hang') return new Promise<void>(() => undefined);
    return Promise.resolve();
  }

  /** True when the key's effect is in place now (applied and not undone). */
  holds(key: string): boolean {
    return this.applied.has(key) && !this.undone.has(key);
  }
}

/** How the test saga is shaped. */
export interface TestSagaShape {
  /** Steps in all. */
  readonly steps: number;
  /** Which steps have a compensation (only up to the pivot). Default: every step up to the pivot. */
  readonly compensable?: readonly boolean[];
  readonly pivot?: number;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

/** Whether step i of the shape has a compensation. */
export function isCompensable(shape: TestSagaShape, i: number): boolean {
  return (shape.pivot === undefined || i <= shape.pivot) && (shape.compensable?.[i] ?? true);
}

/** A saga whose step i calls participant i. */
export function testSaga(name: string, participants: readonly FakeParticipant[], shape: TestSagaShape): SagaDefinition<{ order: number }> {
  const steps: SagaStep<{ order: number }>[] = participants.map((p, i) => {
    const compensable = isCompensable(shape, i);
    return {
      name: `step${i}`,
      action: (c) => p.action(c.idempotencyKey),
      ...(compensable ? { compensate: (c) => p.compensate(c.idempotencyKey) } : {}),
      ...(shape.pivot === i ? { pivot: true } : {}),
      timeoutMs: shape.timeoutMs ?? 1_000,
      retry: { maxAttempts: shape.maxAttempts ?? 3 },
    };
  });
  return defineSaga({ name, steps });
}

/**
 * Lets the orchestrator run on a ManualClock until `promise` settles: flush promise callbacks,
 * and when nothing is left to do, move time to the next timer. Throws when no timer is left.
 */
export async function settle<T>(clock: ManualClock, promise: Promise<T>, maxRounds = 20_000): Promise<T> {
  type Settled = { done: false } | { done: true; ok: true; value: T } | { done: true; ok: false; error: unknown };
  let state: Settled = { done: false };
  promise.then(
    (value) => (state = { done: true, ok: true, value }),
    (error: unknown) => (state = { done: true, ok: false, error }),
  );
  for (let round = 0; round < maxRounds; round++) {
    await flushPromises();
    const s = state as Settled; // set by the callbacks above: not narrowed to { done: false }
    if (s.done) {
      if (s.ok) return s.value;
      throw s.error;
    }
    const due = clock.nextDueAt();
    if (due === undefined) throw new Error('settle: nothing left to run and the promise is pending');
    clock.advance(Math.max(0, due - clock.now()));
  }
  throw new Error(`settle: still pending after ${maxRounds} rounds`);
}

/** A fate script from a seeded random source: each call fails, loses its reply or hangs with the given odds. */
export function randomFates(random: Random, odds: { fail: number; loseReply: number; hang: number }): FateScript {
  return () => {
    const x = random();
    if (x < odds.fail) return 'fail';
    if (x < odds.fail + odds.loseReply) return 'lose-reply';
    if (x < odds.fail + odds.loseReply + odds.hang) return 'hang';
    return 'ok';
  };
}

/**
 * The saga guarantees, checked at the participants for saga `id` that ended with `status`:
 * - completed: every step's effect is in place, none was undone;
 * - compensated: no compensable step's effect remains; each applied one was undone exactly once;
 *   no compensation was called for a step whose action never was;
 * - always: nothing applied or undone twice.
 * Returns the violations (empty when all hold).
 */
export function checkSaga(id: string, status: 'completed' | 'compensated', participants: readonly FakeParticipant[], shape: TestSagaShape): string[] {
  const problems: string[] = [];
  participants.forEach((p, i) => {
    const key = `${id}:${i}`;
    if ((p.applied.get(key) ?? 0) > 1) problems.push(`step ${i} applied ${p.applied.get(key)} times`);
    if ((p.undone.get(key) ?? 0) > 1) problems.push(`step ${i} undone ${p.undone.get(key)} times`);
    if (p.compensateCalls.includes(key) && !p.actionCalls.includes(key)) problems.push(`step ${i} compensated but never started`);
    const compensable = isCompensable(shape, i);
    if (status === 'completed') {
      if (!p.holds(key)) problems.push(`completed, but step ${i}'s effect is missing`);
      if (p.compensateCalls.includes(key)) problems.push(`completed, but step ${i} was compensated`);
    } else if (compensable) {
      if (p.holds(key)) problems.push(`compensated, but step ${i}'s effect remains`);
      if (p.applied.has(key) && p.undone.get(key) !== 1) problems.push(`compensated, but step ${i} was undone ${p.undone.get(key) ?? 0} times`);
    }
  });
  return problems;
}
