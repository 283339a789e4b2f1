import fc from 'fast-check';
import { ManualClock } from '../testing/manual-clock.js';
import { RetryBudget, retryBudget } from './retry-budget.js';

describe('retryBudget', () => {
  it('grants minRetriesPerSecond·windowMs/1000 retries with no traffic, then refuses', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ minRetriesPerSecond: 2, windowMs: 1000, clock });
    expect(budget).toBeInstanceOf(RetryBudget);
    expect(budget.available()).toBe(2);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.available()).toBe(0);
    expect(budget.metrics()).toEqual({ deposits: 0, withdrawals: 2, rejected: 1 });
  });

  it('adds ratio of a retry per deposit', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 0.25, minRetriesPerSecond: 0, clock });
    expect(budget.tryWithdraw()).toBe(false);
    for (let i = 0; i < 3; i++) budget.deposit();
    expect(budget.available()).toBe(0); // 0.75 of a retry
    budget.deposit();
    expect(budget.available()).toBe(1);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    expect(budget.metrics()).toEqual({ deposits: 4, withdrawals: 1, rejected: 2 });
  });

  it('forgets deposits and withdrawals once they leave the window, without a timer', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1000, clock });
    for (let i = 0; i < 5; i++) budget.deposit();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(500);
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.available()).toBe(4);
    clock.advance(499); // deposits at t=0 still count until t=1000
    expect(budget.available()).toBe(4);
    clock.advance(1); // t=1000: the deposits left; the withdrawal at 500 still counts
    expect(budget.available()).toBe(0);
    clock.advance(500); // t=1500: the withdrawal left too
    expect(budget.available()).toBe(0);
    budget.deposit();
    expect(budget.available()).toBe(1);
    clock.advance(10_000);
    expect(budget.available()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('withdrawals make room again when they expire', () => {
    const clock = new ManualClock();
    const budget = retryBudget({ minRetriesPerSecond: 1, windowMs: 1000, clock });
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
    clock.advance(1000);
    expect(budget.tryWithdraw()).toBe(true);
  });

  it('survives a clock that goes backwards', () => {
    let now = 10_000;
    const clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => undefined };
    const budget = retryBudget({ ratio: 1, minRetriesPerSecond: 0, windowMs: 1000, clock });
    budget.deposit();
    expect(budget.available()).toBe(1);
    now = 5_000; // buckets "from the future" no longer count
    expect(budget.available()).toBe(0);
    budget.deposit();
    expect(budget.tryWithdraw()).toBe(true);
  });

  it('describes itself and has documented defaults', () => {
    const budget = retryBudget();
    expect(budget.ratio).toBe(0.2);
    expect(budget.minRetriesPerSecond).toBe(10);
    expect(budget.windowMs).toBe(10_000);
    expect(budget.describe()).toBe('retryBudget(ratio=0.2, minRetriesPerSecond=10, windowMs=10000)');
  });

  it('rejects bad options, naming them', () => {
    expect(() => retryBudget({ ratio: -1 })).toThrow(new RangeError('retryBudget: options.ratio must be a non-negative finite number, got -1'));
    expect(() => retryBudget({ minRetriesPerSecond: NaN })).toThrow(/options\.minRetriesPerSecond/);
    expect(() => retryBudget({ windowMs: 0 })).toThrow(/options\.windowMs must be a positive finite number, got 0/);
    expect(() => retryBudget(null as unknown as object)).toThrow(TypeError);
  });

  it('grants exactly when a naive log of the last window has a retry to spare', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('deposit' as const) }),
      fc.record({ kind: fc.constant('withdraw' as const) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 700 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.double({ min: 0, max: 2, noNaN: true }), fc.integer({ min: 0, max: 3 }), (ops, ratio, minPerSecond) => {
        const clock = new ManualClock();
        const windowMs = 1000;
        const bucketMs = windowMs / 10;
        const budget = retryBudget({ ratio, minRetriesPerSecond: minPerSecond, windowMs, clock });
        const log: Array<{ at: number; kind: 'deposit' | 'withdraw' }> = [];
        let rejected = 0;
        for (const o of ops) {
          if (o.kind === 'advance') {
            clock.advance(o.ms);
            continue;
          }
          if (o.kind === 'deposit') {
            budget.deposit();
            log.push({ at: clock.now(), kind: 'deposit' });
            continue;
          }
          // The window covers the current bucket and the nine before it.
          const from = (Math.floor(clock.now() / bucketMs) - 9) * bucketMs;
          const recent = log.filter((e) => e.at >= from);
          const deposits = recent.filter((e) => e.kind === 'deposit').length;
          const withdrawals = recent.length - deposits;
          const expected = minPerSecond * (windowMs / 1000) + ratio * deposits - withdrawals >= 1;
          if (budget.tryWithdraw() !== expected) return false;
          if (expected) log.push({ at: clock.now(), kind: 'withdraw' });
          else rejected++;
        }
        const m = budget.metrics();
        return m.rejected === rejected && m.deposits + m.withdrawals === log.length;
      }),
    );
  });
});
