import fc from 'fast-check';
import type { Outcome } from './outcome-window.js';
import { ConsecutiveWindow, CountWindow } from './outcome-window.js';

function recordAll(window: { record(o: Outcome): void }, outcomes: Outcome[]): void {
  for (const o of outcomes) window.record(o);
}

describe('CountWindow', () => {
  it('does not open before minimumCalls outcomes are recorded', () => {
    const window = new CountWindow(10, 4, () => 50, undefined);
    expect(window.shouldOpen()).toBe(false);
    recordAll(window, ['failure', 'failure', 'failure']);
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
  });

  it('with minimumCalls 0, still needs one outcome', () => {
    const window = new CountWindow(5, 0, () => 0, 0);
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
  });

  it('opens only when the failure rate is strictly above the threshold', () => {
    const window = new CountWindow(4, 1, () => 50, undefined);
    recordAll(window, ['success', 'failure', 'success', 'failure']);
    expect(window.shouldOpen()).toBe(false); // exactly 50%
    window.record('failure'); // evicts a success: 3 of 4
    expect(window.shouldOpen()).toBe(true);
  });

  it('reads the failure threshold on every check (it may change at run time)', () => {
    let threshold = 50;
    const window = new CountWindow(4, 1, () => threshold, undefined);
    recordAll(window, ['success', 'failure', 'success', 'success']);
    expect(window.shouldOpen()).toBe(false);
    threshold = 24;
    expect(window.shouldOpen()).toBe(true);
    threshold = 25;
    expect(window.shouldOpen()).toBe(false);
  });

  it('a threshold of 0 opens on any failure', () => {
    const window = new CountWindow(100, 1, () => 0, undefined);
    recordAll(window, Array<Outcome>(99).fill('success'));
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
  });

  it('evicts the oldest outcome once the ring is full', () => {
    const window = new CountWindow(3, 3, () => 50, undefined);
    recordAll(window, ['failure', 'failure', 'success']);
    expect(window.shouldOpen()).toBe(true); // 2 of 3
    window.record('success'); // the first failure drops out: 1 of 3
    expect(window.shouldOpen()).toBe(false);
    recordAll(window, ['failure', 'failure']); // [success, failure, failure]: 2 of 3
    expect(window.shouldOpen()).toBe(true);
    recordAll(window, ['success', 'success']); // [failure, success, success]
    expect(window.shouldOpen()).toBe(false);
  });

  it('counts slow successes against slowRatePercent (strict >), not against the failure rate', () => {
    const window = new CountWindow(4, 1, () => 50, 50);
    recordAll(window, ['slow', 'slow', 'success', 'success']);
    expect(window.shouldOpen()).toBe(false); // 50% slow, 0% failures
    window.record('slow'); // evicts the first slow: [slow, success, success, slow] still 50%
    expect(window.shouldOpen()).toBe(false);
    window.record('slow'); // evicts a slow again: [success, success, slow, slow]
    expect(window.shouldOpen()).toBe(false);
    window.record('slow'); // evicts a success: 3 of 4 slow
    expect(window.shouldOpen()).toBe(true);
  });

  it('ignores slow calls when no slow threshold is set', () => {
    const window = new CountWindow(4, 1, () => 50, undefined);
    recordAll(window, ['slow', 'slow', 'slow', 'slow']);
    expect(window.shouldOpen()).toBe(false);
  });

  it('evicting a slow or failed outcome lowers the matching count only', () => {
    const window = new CountWindow(2, 1, () => 49, 49);
    recordAll(window, ['slow', 'failure']);
    expect(window.shouldOpen()).toBe(true);
    window.record('success'); // evicts slow: [failure, success], 50% failures
    expect(window.shouldOpen()).toBe(true);
    window.record('success'); // evicts failure: all successes
    expect(window.shouldOpen()).toBe(false);
  });

  it('reset() forgets every recorded outcome', () => {
    const window = new CountWindow(3, 2, () => 50, 50);
    recordAll(window, ['failure', 'slow', 'failure']);
    expect(window.shouldOpen()).toBe(true);
    window.reset();
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(false); // 1 < minimumCalls
    recordAll(window, ['success', 'success']);
    // A stale count after reset would evict phantom failures here and break the rate.
    window.record('success'); // [success, success, success]
    expect(window.shouldOpen()).toBe(false);
  });

  it('agrees with a naive recount of the last `size` outcomes', () => {
    const outcome = fc.constantFrom<Outcome>('success', 'slow', 'failure');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 100 }),
        fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
        fc.array(fc.oneof(outcome, fc.constant('reset' as const)), { maxLength: 60 }),
        (size, minimumCalls, failurePct, slowPct, ops) => {
          const window = new CountWindow(size, minimumCalls, () => failurePct, slowPct);
          let history: Outcome[] = [];
          for (const op of ops) {
            if (op === 'reset') {
              window.reset();
              history = [];
            } else {
              window.record(op);
              history.push(op);
            }
            const last = history.slice(-size);
            const n = last.length;
            const failures = last.filter((o) => o === 'failure').length;
            const slow = last.filter((o) => o === 'slow').length;
            const expected =
              n > 0 &&
              n >= minimumCalls &&
              ((failures / n) * 100 > failurePct || (slowPct !== undefined && (slow / n) * 100 > slowPct));
            expect(window.shouldOpen()).toBe(expected);
          }
        },
      ),
    );
  });
});

describe('ConsecutiveWindow', () => {
  it('opens after `threshold` failures in a row', () => {
    const window = new ConsecutiveWindow(3);
    expect(window.threshold).toBe(3);
    recordAll(window, ['failure', 'failure']);
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
  });

  it('a success ends the streak', () => {
    const window = new ConsecutiveWindow(2);
    recordAll(window, ['failure', 'success', 'failure']);
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(true);
    window.record('success');
    expect(window.shouldOpen()).toBe(false);
  });

  it('slow successes extend the streak like failures', () => {
    const window = new ConsecutiveWindow(3);
    recordAll(window, ['slow', 'failure', 'slow']);
    expect(window.shouldOpen()).toBe(true);
  });

  it('reset() ends the streak', () => {
    const window = new ConsecutiveWindow(2);
    recordAll(window, ['failure', 'failure']);
    window.reset();
    expect(window.shouldOpen()).toBe(false);
    window.record('failure');
    expect(window.shouldOpen()).toBe(false);
  });
});
