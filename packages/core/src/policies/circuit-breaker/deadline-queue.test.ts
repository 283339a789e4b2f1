import fc from 'fast-check';
import { ManualClock } from '../../testing/manual-clock.js';
import type { Deadline } from './deadline-queue.js';
import { DeadlineQueue } from './deadline-queue.js';

interface Item extends Deadline {
  readonly name: string;
}

/** An item that logs `name@time` into `log` when it expires (and runs `then`, if given). */
function item(name: string, deadline: number, log: string[], then?: (now: number) => void): Item {
  return {
    name,
    deadline,
    prev: undefined,
    next: undefined,
    queued: false,
    expire(now: number) {
      log.push(`${name}@${now}`);
      then?.(now);
    },
  };
}

/** A ManualClock that counts how many timers were armed. */
class CountingClock extends ManualClock {
  armed = 0;
  override setTimeout(callback: () => void, delayMs: number): unknown {
    this.armed++;
    return super.setTimeout(callback, delayMs);
  }
}

describe('DeadlineQueue', () => {
  it('arms one timer, for the earliest deadline, however many items are queued', () => {
    const clock = new ManualClock(1000);
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    expect(queue.isEmpty).toBe(true);
    queue.add(item('a', 1100, log));
    queue.add(item('b', 1200, log));
    queue.add(item('c', 1300, log));
    expect(queue.isEmpty).toBe(false);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(1100);
  });

  it('marks items queued while they are in the queue', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const a = item('a', 10, []);
    queue.add(a);
    expect(a.queued).toBe(true);
    queue.remove(a);
    expect(a.queued).toBe(false);
    expect(a.prev).toBeUndefined();
    expect(a.next).toBeUndefined();
    expect(queue.isEmpty).toBe(true);
  });

  it('leaves the timer alone when items are removed, and re-arms for what is left when it fires', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const a = item('a', 100, log);
    const b = item('b', 200, log);
    queue.add(a);
    queue.add(b);
    queue.remove(a);
    // The timer still points at a's deadline: removing costs no clearTimeout.
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(100);
    clock.advance(100);
    expect(log).toEqual([]);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(200);
    clock.advance(100);
    expect(log).toEqual(['b@200']);
    expect(clock.pendingTimers).toBe(0);
    expect(queue.isEmpty).toBe(true);
  });

  it('ignores removing an item twice or one that was never added', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const a = item('a', 100, log);
    const b = item('b', 200, log);
    queue.remove(a);
    queue.add(a);
    queue.add(b);
    queue.remove(a);
    queue.remove(a);
    expect(queue.isEmpty).toBe(false);
    clock.advance(200);
    expect(log).toEqual(['b@200']);
  });

  it('removes from the middle and the tail without losing the other items', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const items = [item('a', 10, log), item('b', 20, log), item('c', 30, log), item('d', 40, log)];
    for (const i of items) queue.add(i);
    queue.remove(items[1]);
    queue.remove(items[3]);
    clock.advance(100);
    expect(log).toEqual(['a@10', 'c@30']);
  });

  it('expires everything due in deadline order when the timer fires, then re-arms for the next deadline', () => {
    const clock = new CountingClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('a', 100, log));
    queue.add(item('b', 100, log));
    queue.add(item('c', 150, log));
    queue.add(item('d', 300, log));
    expect(clock.armed).toBe(1);
    clock.advance(100);
    expect(log).toEqual(['a@100', 'b@100']);
    // One firing expired both: the only new timer is the one for c.
    expect(clock.armed).toBe(2);
    expect(clock.nextDueAt()).toBe(150);
    clock.advance(50);
    expect(log).toEqual(['a@100', 'b@100', 'c@150']);
    expect(clock.nextDueAt()).toBe(300);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1000);
    expect(log).toEqual(['a@100', 'b@100', 'c@150', 'd@300']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps the order when a later item has an earlier deadline, and re-arms for it', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('a', 100, log));
    queue.add(item('b', 300, log));
    queue.add(item('c', 200, log)); // between a and b
    expect(clock.nextDueAt()).toBe(100);
    queue.add(item('d', 50, log)); // before everything: the timer moves earlier
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(50);
    queue.add(item('e', 200, log)); // ties keep insertion order
    clock.advance(1000);
    expect(log).toEqual(['d@50', 'a@100', 'c@200', 'e@200', 'b@300']);
  });

  it('expires an item whose deadline has already passed on the next timer turn', () => {
    const clock = new ManualClock(500);
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('late', 400, log));
    expect(clock.nextDueAt()).toBe(500);
    clock.advance(0);
    expect(log).toEqual(['late@500']);
  });

  it('clear() drops every item and the timer; nothing expires afterwards', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const a = item('a', 100, log);
    const b = item('b', 200, log);
    queue.add(a);
    queue.add(b);
    queue.clear();
    expect(queue.isEmpty).toBe(true);
    expect(a.queued).toBe(false);
    expect(b.queued).toBe(false);
    expect(a.next).toBeUndefined();
    expect(b.prev).toBeUndefined();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1000);
    expect(log).toEqual([]);
    // The queue works again after clear(), with a fresh timer.
    queue.add(item('c', 1100, log));
    expect(clock.pendingTimers).toBe(1);
    clock.advance(100);
    expect(log).toEqual(['c@1100']);
  });

  it('handles an expire() callback that adds a new item', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('a', 100, log, (now) => queue.add(item('a2', now + 100, log))));
    clock.advance(100);
    expect(log).toEqual(['a@100']);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(200);
    clock.advance(100);
    expect(log).toEqual(['a@100', 'a2@200']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not delay a queued item when an expire() callback adds one with a later deadline', () => {
    // A breaker's fallback that fires again while a call times out: every call shares one
    // timeout, so the new deadline is later than those still queued.
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('a', 100, log, (now) => queue.add(item('c', now + 100, log))));
    clock.advance(50);
    queue.add(item('b', 150, log));
    clock.advance(1000);
    expect(log).toEqual(['a@100', 'b@150', 'c@200']);
  });

  it('handles an expire() callback that adds an item already due, or removes the next one', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const c = item('c', 100, log);
    queue.add(item('a', 100, log, (now) => queue.add(item('now', now, log))));
    queue.add(item('b', 100, log, () => queue.remove(c)));
    queue.add(c);
    queue.add(item('d', 150, log));
    clock.advance(100);
    expect(log).toEqual(['a@100', 'b@100', 'now@100']);
    clock.advance(100);
    expect(log).toEqual(['a@100', 'b@100', 'now@100', 'd@150']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('handles an expire() callback that clears the queue', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    queue.add(item('a', 100, log, () => queue.clear()));
    queue.add(item('b', 100, log));
    queue.add(item('c', 200, log));
    clock.advance(1000);
    expect(log).toEqual(['a@100']);
    expect(queue.isEmpty).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('arms about one timer per timeout period for a stream of calls that settle in time', () => {
    const clock = new CountingClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    for (let i = 0; i < 100; i++) {
      const call = item(`call${i}`, clock.now() + 100, log);
      queue.add(call);
      clock.advance(5);
      queue.remove(call);
      clock.advance(5);
    }
    expect(log).toEqual([]);
    // 1,000 ms of calls with a 100 ms timeout: one arming per period, not one per call.
    expect(clock.armed).toBeLessThanOrEqual(11);
    expect(clock.pendingTimers).toBeLessThanOrEqual(1);
  });

  it('keeps an item with an infinite deadline queued without arming a timer for it', () => {
    const clock = new ManualClock();
    const queue = new DeadlineQueue(clock);
    const log: string[] = [];
    const never = item('never', Infinity, log);
    queue.add(item('a', 100, log));
    queue.add(never);
    clock.advance(100);
    expect(log).toEqual(['a@100']);
    expect(clock.pendingTimers).toBe(0);
    expect(never.queued).toBe(true);
    queue.remove(never);
    expect(queue.isEmpty).toBe(true);
  });

  type Op =
    | { kind: 'add'; delay: number; spawn: number | undefined }
    | { kind: 'remove'; pick: number }
    | { kind: 'advance'; ms: number };

  const opArb: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      kind: fc.constant('add' as const),
      // Mostly a shared timeout (in-order deadlines), sometimes a shorter or past one.
      delay: fc.oneof(fc.constant(100), fc.integer({ min: -20, max: 200 })),
      // When set, expiring this item adds another one `spawn` ms later (a fallback that fires again).
      spawn: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 120 }) }),
  );

  it('expires every item exactly once, on time, unless removed first, with at most one timer pending', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const clock = new ManualClock(10_000);
        const queue = new DeadlineQueue(clock);
        interface Tracked {
          item: Deadline;
          addedAt: number;
          removed: boolean;
          expiredAt: number[];
        }
        const tracked: Tracked[] = [];
        const checkTimers = (): void => {
          expect(clock.pendingTimers).toBeLessThanOrEqual(1);
          // While anything is queued a timer must be armed, and never later than the head.
          const live = tracked.filter((t) => t.item.queued);
          if (live.length > 0) {
            const earliest = Math.min(...live.map((t) => t.item.deadline));
            expect(clock.pendingTimers).toBe(1);
            expect(clock.nextDueAt()).toBeLessThanOrEqual(Math.max(earliest, clock.now()));
          }
        };
        const add = (delay: number, spawn: number | undefined): void => {
          const t: Tracked = {
            addedAt: clock.now(),
            removed: false,
            expiredAt: [],
            item: {
              deadline: clock.now() + delay,
              prev: undefined,
              next: undefined,
              queued: false,
              expire(now: number) {
                t.expiredAt.push(now);
                // Mid-expiry the fired timer is gone and the next one may not be armed yet.
                expect(clock.pendingTimers).toBeLessThanOrEqual(1);
                if (spawn !== undefined) add(spawn, undefined);
              },
            },
          };
          tracked.push(t);
          queue.add(t.item);
        };
        for (const op of ops) {
          if (op.kind === 'add') add(op.delay, op.spawn);
          else if (op.kind === 'remove') {
            const live = tracked.filter((t) => t.item.queued);
            if (live.length > 0) {
              const t = live[op.pick % live.length];
              t.removed = true;
              queue.remove(t.item);
            }
          } else clock.advance(op.ms);
          checkTimers();
        }
        clock.advance(1000); // past every deadline, including spawned ones
        expect(queue.isEmpty).toBe(true);
        for (const t of tracked) {
          if (t.removed) {
            expect(t.expiredAt).toEqual([]);
          } else {
            // Never early, never late: at the deadline, or when added if it was already due.
            expect(t.expiredAt).toEqual([Math.max(t.item.deadline, t.addedAt)]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
